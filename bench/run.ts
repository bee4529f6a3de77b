import { cpus } from 'node:os';
import { readdirSync } from 'node:fs';
import path from 'node:path';

/** Runs every `*.bench.js` beside this file (or those named on the command line). */
async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .filter((f) => !only.length || only.some((o) => f.startsWith(o)))
    .sort((a, b) => (a === 'core.bench.js' ? -1 : b === 'core.bench.js' ? 1 : a.localeCompare(b)));
  console.log(`weft benchmarks — node ${process.version}, ${cpus().length} cores; figures are medians`);
  for (const f of files) {
    const mod = (await import(path.join(__dirname, f))) as { run?: () => Promise<void> };
    if (typeof mod.run !== 'function') continue;
    try {
      await mod.run();
    } catch (err) {
      console.log(`  ${f} failed: ${(err as Error).stack ?? String(err)}`);
      process.exitCode = 1;
    }
  }
}

void main();
