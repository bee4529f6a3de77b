import { serializeError } from '../../core/errors/error-serializer';
import type { ExecutionDocument } from '../../core/model/execution-document';

/** Prints a line on stdout. */
export function out(s: string): void {
  process.stdout.write(s + '\n');
}

/** Prints an error (`{ error: { code, message, details } }` on stdout with `--json`, else on stderr with its problems) and returns `code`. */
export function reportFailure(err: unknown, json: boolean | undefined, code: number): number {
  const e = serializeError(err, false);
  if (json) out(JSON.stringify({ error: { code: e.code, message: e.message, details: e.details } }, null, 2));
  else {
    process.stderr.write(`error: ${e.message}\n`);
    for (const d of (Array.isArray(e.details) ? e.details : []) as Array<{ path: string; message: string }>)
      process.stderr.write(`  - ${d.path}: ${d.message}\n`);
  }
  return code;
}

/** The exit code of a finished execution: 1 when it failed or was cancelled, else 0. */
export function exitCodeOf(doc: ExecutionDocument): number {
  return doc.status === 'failed' || doc.status === 'cancelled' ? 1 : 0;
}
