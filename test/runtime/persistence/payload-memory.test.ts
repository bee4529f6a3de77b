import assert from 'node:assert/strict';
import { measureInChild } from '../../../bench/payload-memory';

const RUN = { nodes: 20, bytesPerNode: 8 * 1024 * 1024 };
/** The child's V8 heap cap (`--max-old-space-size`): below the 160 MB of outputs plus their copies. */
const HEAP_MB = 256;

/**
 * 20 nodes × 8 MB outputs (160 MB) in one execution on SQLite, in a fresh process whose V8 heap
 * is capped at 256 MB: outputs kept apart leave memory once recorded, so the run succeeds and
 * resident memory grows by well under the outputs' total plus their copies. Kept all inline and
 * in memory, the same run cannot fit that heap. The bounds are on memory only, never on time.
 * (Without a cap, when V8 collects the finished outputs' garbage differs between Node lines:
 * `npm run bench -- payloads` prints both.)
 */
describe('large payloads: resident memory', function () {
  this.timeout(180_000);

  it(`runs 20 nodes of 8 MB outputs in a ${HEAP_MB} MB heap with peak RSS growth under 300 MB, and its document stays small`, async () => {
    const f = await measureInChild(RUN, HEAP_MB);
    assert.equal(f.status, 'succeeded');
    assert.equal(f.lastSaw, 18, 'each node read its upstream output through a template');
    assert.ok(f.documentChars < 20_000, `the execution document carries references, not outputs (${f.documentChars} characters)`);
    assert.ok(f.peakRssGrowthMb < 300, `peak RSS growth ${f.peakRssGrowthMb.toFixed(0)} MB for 160 MB of outputs`);
  });

  it(`cannot run the same workflow in that heap with every output kept inline and in memory (the comparison)`, async () => {
    await assert.rejects(measureInChild({ ...RUN, inlineOutputBytes: RUN.bytesPerNode * 4 }, HEAP_MB), /heap out of memory/);
  });
});
