import assert from 'node:assert/strict';
import { measureInChild } from '../../../bench/payload-memory';

/**
 * 20 nodes × 8 MB outputs (160 MB) in one execution on SQLite, in a fresh process: outputs kept
 * apart leave memory once recorded, so resident memory grows by well under the outputs' total
 * plus their copies. Kept all inline and in memory (the comparison in `npm run bench -- payloads`)
 * the same run grows by about 500 MB. The bound is on memory only, never on time.
 */
describe('large payloads: resident memory', function () {
  this.timeout(180_000);

  it('runs 20 nodes of 8 MB outputs with peak RSS growth under 400 MB, and its document stays small', async () => {
    const f = await measureInChild({ nodes: 20, bytesPerNode: 8 * 1024 * 1024 });
    assert.equal(f.status, 'succeeded');
    assert.equal(f.lastSaw, 18, 'each node read its upstream output through a template');
    assert.ok(f.documentChars < 20_000, `the execution document carries references, not outputs (${f.documentChars} characters)`);
    assert.ok(f.peakRssGrowthMb < 400, `peak RSS growth ${f.peakRssGrowthMb.toFixed(0)} MB for 160 MB of outputs`);
  });
});
