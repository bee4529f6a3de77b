import assert from 'node:assert/strict';
import { describeDialects } from './dialect-harness';
import { startRecord } from './execution-fixtures';
import type { ExecutionStatus } from '../../../core/model/execution-document';
import type { Persistence } from '../../../runtime/persistence/persistence';

const STATUSES: ExecutionStatus[] = ['succeeded', 'failed', 'cancelled', 'partially_succeeded'];

describeDialects('SqlExecutionStore.listExecutions', (ctx) => {
  let p: Persistence;
  const base = Date.parse('2026-01-10T00:00:00.000Z');
  const ids: string[] = [];

  before(async () => {
    p = await ctx.open();
    // 30 finished executions, one per hour, statuses in rotation; ids ascend with start time
    for (let i = 0; i < 30; i++) {
      const r = startRecord('wf_list', { startedAt: new Date(base + i * 3_600_000).toISOString() });
      ids.push(r.id);
      await p.executionStore.startExecution(r);
      await p.executionStore.finishExecution(r.id, {
        status: STATUSES[i % 4]!,
        outputs: null,
        error: null,
        finishedAt: r.startedAt,
        durationMs: 0,
      });
    }
    await p.executionStore.startExecution(startRecord('wf_list_other'));
  });

  it('pages newest first with keyset cursors, never skipping or repeating while executions are inserted', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let inserted = 0;
    do {
      const page = await p.executionStore.listExecutions({ workflowId: 'wf_list', limit: 7, cursor });
      seen.push(...page.items.map((e) => e.id));
      // meanwhile, new executions arrive (they are newer than every cursor, so later pages never show them)
      await Promise.all([1, 2].map(() => p.executionStore.startExecution(startRecord('wf_list')).then(() => inserted++)));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const original = seen.filter((id) => ids.includes(id));
    assert.deepEqual(original, [...ids].reverse());
    assert.equal(new Set(seen).size, seen.length, 'a row was repeated');
    assert.ok(inserted >= 10);
    assert.ok(
      seen.slice(0, 7).every((id) => ids.includes(id)),
      'first page predates the inserts',
    );
  });

  it('filters by status and by a from/to date range', async () => {
    const failed = await p.executionStore.listExecutions({ workflowId: 'wf_list', status: ['failed', 'cancelled'], limit: 200 });
    assert.equal(failed.items.length, 15);
    assert.ok(failed.items.every((e) => e.status === 'failed' || e.status === 'cancelled'));
    const range = await p.executionStore.listExecutions({
      workflowId: 'wf_list',
      from: new Date(base + 5 * 3_600_000).toISOString(),
      to: '2026-01-10T10:00:00+00:00',
      limit: 3,
    });
    assert.deepEqual(
      range.items.map((e) => e.id),
      [ids[9], ids[8], ids[7]],
    );
    const rest = await p.executionStore.listExecutions({
      workflowId: 'wf_list',
      from: new Date(base + 5 * 3_600_000).toISOString(),
      to: '2026-01-10T10:00:00+00:00',
      limit: 3,
      cursor: range.nextCursor!,
    });
    assert.deepEqual(
      rest.items.map((e) => e.id),
      [ids[6], ids[5]],
    );
    assert.equal(rest.nextCursor, null);
    assert.equal(
      (await p.executionStore.listExecutions({ workflowId: 'wf_list', from: '2026-01-10', to: '2026-01-10T01:00:00Z', limit: 5 })).items
        .length,
      1,
    );
  });

  it('pages a date range by start time, exactly once even when start times tie', async () => {
    const tie = '2027-03-01T12:00:00.000Z';
    const tied: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = startRecord('wf_list_ties', { startedAt: tie });
      tied.push(r.id);
      await p.executionStore.startExecution(r);
    }
    const later = startRecord('wf_list_ties', { startedAt: '2027-03-01T13:00:00.000Z' });
    await p.executionStore.startExecution(later);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await p.executionStore.listExecutions({ workflowId: 'wf_list_ties', from: '2027-03-01', limit: 3, cursor });
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, [later.id, ...[...tied].reverse()]);
  });

  it('rejects unknown statuses, bad dates and bad limits with ValidationErrors', async () => {
    const bad: Array<Record<string, unknown>> = [
      { status: ['done'] },
      { status: ["succeeded' OR 1=1 --"] },
      { status: 'succeeded' },
      { from: "2020-01-01'; DROP TABLE workflow_execution; --" },
      { from: 'yesterday' },
      { to: '2020-02-30T00:00:00Z' },
      { to: '2020-01-01T10:00' },
      { from: '2021-01-01', to: '2020-01-01' },
      { limit: 0 },
      { limit: 201 },
      { limit: 1.5 },
      { workflowId: '' },
    ];
    for (const extra of bad) {
      await assert.rejects(
        p.executionStore.listExecutions({ workflowId: 'wf_list', limit: 10, ...extra }),
        { code: 'WF_VALIDATION' },
        JSON.stringify(extra),
      );
    }
    // the table is intact and a hostile workflow id simply matches nothing
    assert.equal((await p.executionStore.listExecutions({ workflowId: "wf_list' OR '1'='1", limit: 10 })).items.length, 0);
    assert.equal(
      (await p.executionStore.listExecutions({ workflowId: 'wf_list', limit: 200, status: ['succeeded'] })).items.length >= 8,
      true,
    );
  });

  it('rejects tampered cursors and cursors of another query', async () => {
    const page = await p.executionStore.listExecutions({ workflowId: 'wf_list', limit: 2 });
    const c = page.nextCursor!;
    const [payload, mac] = c.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ id: 'ffffffff-ffff-7fff-bfff-ffffffffffff' })).toString('base64url');
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    for (const cursor of [
      forged + '.' + mac,
      flip(payload, 3) + '.' + mac,
      payload + '.' + flip(mac, 5),
      'garbage',
      '',
      `${c}x`,
      c.replace('.', ''),
    ]) {
      await assert.rejects(p.executionStore.listExecutions({ workflowId: 'wf_list', limit: 2, cursor }), { code: 'WF_VALIDATION' }, cursor);
    }
    await assert.rejects(
      p.executionStore.listExecutions({ workflowId: 'wf_list_other', limit: 2, cursor: c }),
      /not issued for this query/,
    );
    await assert.rejects(
      p.executionStore.listExecutions({ workflowId: 'wf_list', status: ['failed'], limit: 2, cursor: c }),
      /not issued for this query/,
    );
    // the genuine cursor still works, and also from another connection (the secret is in the database)
    const other = await ctx.open();
    assert.equal((await other.executionStore.listExecutions({ workflowId: 'wf_list', limit: 2, cursor: c })).items.length, 2);
  });
});
