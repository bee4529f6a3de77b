import assert from 'node:assert/strict';
import { designAreas, formatTable, measure, type FileSummary } from './coverage-targets';

const file = (lines: [number, number], functions: [number, number]): FileSummary => ({
  lines: { covered: lines[0], total: lines[1] },
  functions: { covered: functions[0], total: functions[1] },
});

describe('coverage targets (npm run coverage)', () => {
  const root = '/repo';
  const summary: Record<string, FileSummary> = {
    total: file([0, 0], [0, 0]),
    '/repo/core/context/template-engine.ts': file([95, 100], [9, 10]),
    '/repo/core/executor/retry-policy.ts': file([19, 20], [10, 10]),
    '/repo/core/executor/node-lifecycle.ts': file([80, 100], [8, 10]),
    '/repo/plugins/wait/wait.node-type.ts': file([90, 100], [7, 10]),
    '/repo/plugins/waiting/other.ts': file([0, 100], [0, 10]),
  };

  it('sums each area over its files and needs lines and functions both at the target', () => {
    const results = measure(summary, root, designAreas(['wait', 'tool']));
    const by = Object.fromEntries(results.map((r) => [r.name, r]));
    assert.deepEqual(by.context!.lines, { covered: 95, total: 100 });
    assert.equal(by.context!.met, true);
    assert.equal(by.retry!.files, 1, 'only retry-* files are retry');
    assert.equal(by.retry!.met, true, '95% lines, 100% functions');
    // the executor area holds the retry files too: (19+80)/(20+100) lines
    assert.deepEqual(by.executor!.lines, { covered: 99, total: 120 });
    assert.equal(by.executor!.met, false);
    assert.equal(by['plugins/wait']!.files, 1, 'plugins/waiting is not plugins/wait');
    assert.equal(by['plugins/wait']!.met, false, '90% lines but 70% functions');
    assert.equal(by['plugins/tool']!.files, 0);
    assert.equal(by['plugins/tool']!.met, false, 'a node type never loaded fails');
  });

  it('prints one row per area with its figures and verdict', () => {
    const table = formatTable(measure(summary, root, designAreas(['wait', 'tool'])));
    const lines = table.split('\n');
    assert.match(lines[0]!, /^area\s+target\s+lines\s+functions$/);
    assert.match(table, /^context\s+90%\s+95\.0% \(95\/100\)\s+90\.0% \(9\/10\)\s+ok$/m);
    assert.match(table, /^plugins\/wait\s+80%\s+90\.0% \(90\/100\)\s+70\.0% \(7\/10\)\s+BELOW$/m);
    assert.match(table, /^plugins\/tool\s+80%.*NO FILES$/m);
  });
});
