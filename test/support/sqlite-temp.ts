import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary directory for SQLite files; `remove()` deletes it with everything inside. */
export interface TempDir {
  dir: string;
  remove(): void;
}

export function makeTempDir(prefix = 'weft-test-'): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
