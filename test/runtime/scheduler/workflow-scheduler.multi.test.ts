import assert from 'node:assert/strict';
import { fireTimes, harness, scheduled, type Harness } from './scheduler-harness';
import { FakeTime } from './fake-time';
import { waitFor } from '../../support/wait-for';

/** Missed fires after downtime, and several schedulers ("processes") on one set of stores. */
describe('WorkflowScheduler: missed fires and several instances', () => {
  const open: Harness[] = [];
  afterEach(async () => {
    for (const h of open.splice(0)) await h.close();
  });
  const make = (...args: Parameters<typeof harness>) => {
    const h = harness(...args);
    open.push(h);
    return h;
  };

  /** A workflow saved at real time R (the in-memory store stamps `updatedAt` with the real clock), and a clock `downMs` later. */
  async function savedThenDown(missedFires: 'none' | 'one', downMs: number) {
    const h = make({ missedFires, start: 0 });
    const wf = await h.workflows.create(scheduled({ intervalMs: 1000 }));
    const saved = Date.parse(wf.updatedAt);
    const time = new FakeTime(saved + downMs);
    const h2 = make({ missedFires, time, workflows: h.workflows, executions: h.executions, name: 'restarted' });
    return { h: h2, wf, saved };
  }

  it('missedFires none: nothing runs for fires that passed while no process was up', async () => {
    const { h, wf } = await savedThenDown('none', 10_500);
    await h.scheduler.start();
    assert.equal((await h.history(wf.id)).length, 0);
    await h.time.advance(1000);
    assert.equal((await h.history(wf.id)).length, 1);
  });

  it('missedFires one: exactly one catch-up fire, for the most recent missed fire time', async () => {
    const { h, wf, saved } = await savedThenDown('one', 10_500);
    await h.scheduler.start();
    const items = await h.history(wf.id);
    const latestMissed = Math.floor((saved + 10_500) / 1000) * 1000;
    assert.deepEqual(fireTimes(items, wf.id), [new Date(latestMissed).toISOString()]);
    assert.equal(items[0]!.trigger, 'schedule');
    await h.time.advance(1000);
    assert.equal((await h.history(wf.id)).length, 2);
  });

  it('missedFires one: no catch-up when the latest fire time is already recorded, or none passed since the schedule was saved', async () => {
    const { h, wf, saved } = await savedThenDown('one', 10_500);
    const latest = Math.floor((saved + 10_500) / 1000) * 1000;
    await h.executions.startExecution({
      id: '01900000-0000-7000-8000-0000000000aa',
      workflowId: wf.id,
      workflowVersion: 1,
      trigger: 'schedule',
      inputs: {},
      idempotencyKey: `schedule:${wf.id}:${new Date(latest).toISOString()}`,
      startedAt: new Date(latest).toISOString(),
    });
    await h.executions.finishExecution('01900000-0000-7000-8000-0000000000aa', {
      status: 'succeeded',
      outputs: {},
      error: null,
      finishedAt: new Date(latest).toISOString(),
      durationMs: 1,
    });
    await h.scheduler.start();
    assert.equal((await h.history(wf.id)).length, 1);

    // a clock still before the first fire after the save: nothing was missed
    const fresh = await savedThenDown('one', 0);
    await fresh.h.scheduler.start();
    const firstFire = Math.floor(fresh.saved / 1000) * 1000 + 1000;
    assert.ok(fresh.h.time.now() < firstFire);
    assert.equal((await fresh.h.history(fresh.wf.id)).length, 0);
  });

  it('two schedulers on the same stores run every fire exactly once', async () => {
    const time = new FakeTime('2026-06-01T00:00:00.400Z');
    const a = make({ time, name: 'a' });
    const b = make({ time, name: 'b', workflows: a.workflows, executions: a.executions });
    const wf = await a.workflows.create(scheduled({ intervalMs: 1000 }));
    const cron = await a.workflows.create(scheduled({ cron: '*/2 * * * * *', timezone: 'Asia/Tokyo' }, 'echo', 'cron'));
    await Promise.all([a.scheduler.start(), b.scheduler.start()]);
    await time.advance(10_000);
    const items = await a.history(wf.id);
    assert.equal(items.length, 10);
    assert.equal(new Set(fireTimes(items, wf.id)).size, 10);
    assert.equal((await a.history(cron.id)).length, 5);
    await waitFor(async () => (await a.history(wf.id)).every((e) => e.status === 'succeeded'), 'all runs to finish');
    // both processes tried every fire: the second start of each fire found the first (created: false)
    assert.equal(a.kernel.executor.activeCount + b.kernel.executor.activeCount, 0);
  });

  it('two schedulers with overlap skip still record one execution per fire', async () => {
    const time = new FakeTime('2026-06-01T00:00:00.400Z');
    const a = make({ time, name: 'a' });
    const b = make({ time, name: 'b', workflows: a.workflows, executions: a.executions });
    const wf = await a.workflows.create(scheduled({ intervalMs: 1000 }, 'block'));
    await Promise.all([a.scheduler.start(), b.scheduler.start()]);
    await time.advance(4000);
    const items = await a.history(wf.id);
    assert.deepEqual(
      fireTimes(items, wf.id),
      [1, 2, 3, 4].map((s) => `2026-06-01T00:00:0${s}.000Z`),
    );
    assert.deepEqual(items.map((e) => e.status).sort(), ['running', 'skipped', 'skipped', 'skipped']);
  });
});
