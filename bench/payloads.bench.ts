import { fmt, report } from './bench-stats';
import { measureInChild } from './payload-memory';

const NODES = 20;
const BYTES = 8 * 1024 * 1024;
const HEAP_MB = 256;

/**
 * Large payloads: one execution of 20 nodes that each output 8 MB (160 MB in all), each reading
 * a field of its upstream's output through a template, on SQLite in a fresh process. Peak
 * resident memory above the idle process and wall time, with outputs kept apart (the default
 * `WEFT_INLINE_OUTPUT_BYTES`) and, for comparison, all kept inline and in memory; then both with the V8 heap capped at 256 MB (kept apart fits, inline dies).
 */
export async function run(): Promise<void> {
  console.log(`\n## payloads: ${NODES} nodes × ${BYTES / 1048576} MB outputs (SQLite, fresh process each)`);
  const capped = await measureInChild({ nodes: NODES, bytesPerNode: BYTES }, HEAP_MB);
  report(
    `kept apart, heap capped at ${HEAP_MB} MB: peak RSS growth`,
    `${fmt(capped.peakRssGrowthMb, 0)} MB`,
    '< 300 MB',
    capped.peakRssGrowthMb < 300,
  );
  const kept = await measureInChild({ nodes: NODES, bytesPerNode: BYTES });
  report('kept apart (default), no heap cap: peak RSS growth', `${fmt(kept.peakRssGrowthMb, 0)} MB`);
  report('kept apart (default): RSS growth after, collected', `${fmt(kept.afterRssGrowthMb, 0)} MB`);
  report('kept apart (default): run time', `${fmt(kept.ms, 0)} ms (${kept.status}; document ${kept.documentChars} chars)`);
  const inline = await measureInChild({ nodes: NODES, bytesPerNode: BYTES, inlineOutputBytes: BYTES * 4 });
  report('all inline (comparison): peak RSS growth', `${fmt(inline.peakRssGrowthMb, 0)} MB`);
  report('all inline (comparison): run time', `${fmt(inline.ms, 0)} ms (${inline.status}; document ${inline.documentChars} chars)`);
  const inlineCapped = await measureInChild({ nodes: NODES, bytesPerNode: BYTES, inlineOutputBytes: BYTES * 4 }, HEAP_MB).then(
    () => 'succeeded',
    (e: Error) => (/heap out of memory/.test(e.message) ? 'JavaScript heap out of memory' : e.message.slice(0, 120)),
  );
  report(`all inline, heap capped at ${HEAP_MB} MB`, inlineCapped);
}
