import assert from 'node:assert/strict';
import { ValidationError } from '../../../core/errors/weft-error';
import { fireTimes, harness, scheduled, type Harness } from './scheduler-harness';
import { Tokens } from '../../../core/di/tokens';
import { waitFor } from '../../support/wait-for';

describe('WorkflowScheduler', () => {
  let h: Harness;
  afterEach(async () => h?.close());

  describe('firing', () => {
    it('fires an interval schedule on its grid with a controlled clock, one execution per fire', async () => {
      h = harness({ start: '2026-06-01T00:00:00.400Z' });
      const wf = await h.workflows.create(scheduled({ intervalMs: 1000 }));
      await h.scheduler.start();
      assert.equal(h.scheduler.nextFireOf(wf.id), Date.parse('2026-06-01T00:00:01.000Z'));
      await h.time.advance(5000);
      const items = await h.history(wf.id);
      assert.deepEqual(
        fireTimes(items, wf.id),
        [1, 2, 3, 4, 5].map((s) => `2026-06-01T00:00:0${s}.000Z`),
      );
      assert.ok(items.every((e) => e.trigger === 'schedule' && e.workflowVersion === 1));
      await waitFor(async () => (await h.history(wf.id)).every((e) => e.status === 'succeeded'), 'executions to finish');
    });

    it('fires a cron schedule with a seconds field in its time zone', async () => {
      h = harness({ start: '2026-06-01T00:00:00.500Z' });
      const wf = await h.workflows.create(scheduled({ cron: '*/2 * * * * *', timezone: 'Europe/Paris' }));
      await h.scheduler.start();
      await h.time.advance(10_000);
      assert.deepEqual(
        fireTimes(await h.history(wf.id), wf.id),
        ['02', '04', '06', '08', '10'].map((s) => `2026-06-01T00:00:${s}.000Z`),
      );
    });

    it('spring forward: 02:30 Europe/Paris on 2026-03-29 runs once, at 03:00 local', async () => {
      h = harness({ start: '2026-03-28T12:00:00Z' });
      const wf = await h.workflows.create(scheduled({ cron: '30 2 * * *', timezone: 'Europe/Paris' }));
      await h.scheduler.start();
      await h.time.advanceTo('2026-03-31T00:00:00Z');
      assert.deepEqual(fireTimes(await h.history(wf.id), wf.id), ['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    });

    it('fall back: 02:30 Europe/Paris on 2026-10-25 (which happens twice) runs once', async () => {
      h = harness({ start: '2026-10-24T12:00:00Z' });
      const wf = await h.workflows.create(scheduled({ cron: '0 30 2 * * *', timezone: 'Europe/Paris' }));
      await h.scheduler.start();
      await h.time.advanceTo('2026-10-26T12:00:00Z');
      assert.deepEqual(fireTimes(await h.history(wf.id), wf.id), ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    });

    it('drops fire times a stalled process slept through instead of running them all at once', async () => {
      h = harness({ start: '2026-06-01T00:00:00.400Z' });
      const wf = await h.workflows.create(scheduled({ intervalMs: 1000 }));
      await h.scheduler.start();
      // the timer for 00:00:01 goes off 10 s late (a blocked event loop): that fire runs, the ten it slept through do not
      h.time.lateness = 10_000;
      await h.time.advance(1000);
      assert.deepEqual(fireTimes(await h.history(wf.id), wf.id), ['2026-06-01T00:00:01.000Z']);
      assert.equal(h.scheduler.nextFireOf(wf.id), Date.parse('2026-06-01T00:00:12.000Z'));
      h.time.lateness = 0;
      await h.time.advanceTo('2026-06-01T00:00:12.000Z');
      assert.equal((await h.history(wf.id)).length, 2);
    });
  });

  describe('nextFireTimes', () => {
    it('gives fire times with the offset of the schedule zone at each instant', async () => {
      h = harness();
      assert.deepEqual(h.scheduler.nextFireTimes({ cron: '0 3 * * *', timezone: 'Europe/Paris' }, 3, new Date('2026-03-27T12:00:00Z')), [
        '2026-03-28T03:00:00+01:00',
        '2026-03-29T03:00:00+02:00',
        '2026-03-30T03:00:00+02:00',
      ]);
      assert.deepEqual(h.scheduler.nextFireTimes({ cron: '30 2 * * *', timezone: 'Europe/Paris' }, 1, new Date('2026-03-28T12:00:00Z')), [
        '2026-03-29T03:00:00+02:00',
      ]);
      assert.deepEqual(
        h.scheduler.nextFireTimes({ cron: '0 9 * * 1', timezone: 'America/New_York' }, 1, new Date('2026-01-01T00:00:00Z')),
        ['2026-01-05T09:00:00-05:00'],
      );
    });

    it('counts interval fire times from now on the clock, on the epoch grid', async () => {
      h = harness({ start: '2026-01-01T00:00:30Z' });
      assert.deepEqual(h.scheduler.nextFireTimes({ intervalMs: 60_000 }, 2), ['2026-01-01T00:01:00+00:00', '2026-01-01T00:02:00+00:00']);
      assert.deepEqual(h.scheduler.nextFireTimes({ intervalMs: 1500 }, 1), ['2026-01-01T00:00:31.500+00:00']);
    });

    it('bounds the count and refuses invalid schedules', async () => {
      h = harness();
      assert.deepEqual(h.scheduler.nextFireTimes({ intervalMs: 1000 }, -3), []);
      assert.equal(h.scheduler.nextFireTimes({ intervalMs: 1000 }, 1e9).length, 1000);
      assert.throws(() => h.scheduler.nextFireTimes({ cron: 'nope' }, 3), ValidationError);
      assert.throws(() => h.scheduler.nextFireTimes({ cron: '* * * * *', timezone: 'Not/AZone' }, 3), /unknown time zone/);
    });
  });

  describe('validate', () => {
    it('returns path-named issues for bad cron, zone and interval', async () => {
      h = harness({ minIntervalMs: 5000 });
      assert.deepEqual(h.scheduler.validate({ cron: '0 */5 * * * *', timezone: 'Europe/Paris' }), []);
      assert.deepEqual(
        h.scheduler.validate({ cron: '99 * * * *' }).map((i) => i.path),
        ['schedule.cron'],
      );
      assert.deepEqual(
        h.scheduler.validate({ cron: '* * * * *', timezone: 'Europe/Atlantis' }).map((i) => i.path),
        ['schedule.timezone'],
      );
      const [interval] = h.scheduler.validate({ intervalMs: 1000 });
      assert.equal(interval!.path, 'schedule.intervalMs');
      assert.match(interval!.message, /below the minimum interval of 5000 ms/);
    });
  });

  describe('overlap', () => {
    it('skip (the default): a fire while the previous scheduled run is running is recorded as skipped', async () => {
      h = harness();
      const ends: string[] = [];
      h.kernel
        .get(Tokens.EventBus)
        .subscribe((e) => e.kind === 'execution' && e.status !== 'running' && ends.push(`${e.executionId}:${e.status}:${e.seq}`));
      const wf = await h.workflows.create(scheduled({ intervalMs: 1000 }, 'block'));
      await h.scheduler.start();
      await h.time.advance(1000);
      await waitFor(() => h.gate.waiting === 1, 'the first run to block');
      await h.time.advance(1000);
      let items = await h.history(wf.id);
      assert.deepEqual(
        items.map((e) => e.status),
        ['running', 'skipped'],
      );
      assert.equal(items[1]!.idempotencyKey, `schedule:${wf.id}:2026-06-01T00:00:02.000Z`);
      const skipped = await h.executions.getExecution(items[1]!.id);
      assert.deepEqual(
        skipped!.nodes.map((n) => [n.nodeId, n.status]),
        [['a', 'skipped']],
      );
      // its end is published like any other (metrics count it)
      assert.deepEqual(ends, [`${items[1]!.id}:skipped:1`]);
      h.gate.open();
      await waitFor(async () => (await h.history(wf.id))[0]!.status === 'succeeded', 'the first run to finish');
      await h.time.advance(1000);
      await waitFor(
        async () => (await h.history(wf.id)).length === 3 && (await h.history(wf.id))[2]!.status === 'succeeded',
        'the third fire',
      );
      items = await h.history(wf.id);
      assert.deepEqual(
        items.map((e) => e.status),
        ['succeeded', 'skipped', 'succeeded'],
      );
    });

    it('skip also sees a scheduled run that another process has running', async () => {
      h = harness();
      const wf = await h.workflows.create(scheduled({ intervalMs: 1000 }));
      await h.executions.startExecution({
        id: '01900000-0000-7000-8000-000000000001',
        workflowId: wf.id,
        workflowVersion: 1,
        trigger: 'schedule',
        inputs: {},
        idempotencyKey: `schedule:${wf.id}:2026-06-01T00:00:00.000Z`,
        startedAt: '2026-06-01T00:00:00.000Z',
      });
      await h.scheduler.start();
      await h.time.advance(1000);
      const items = await h.history(wf.id);
      assert.deepEqual(
        items.map((e) => e.status),
        ['running', 'skipped'],
      );
    });

    it('allow: fires run side by side', async () => {
      h = harness();
      const wf = await h.workflows.create(scheduled({ intervalMs: 1000, overlap: 'allow' }, 'block'));
      await h.scheduler.start();
      await h.time.advance(3000);
      await waitFor(() => h.gate.waiting === 3, 'three runs to block');
      assert.deepEqual(
        (await h.history(wf.id)).map((e) => e.status),
        ['running', 'running', 'running'],
      );
    });
  });

  describe('sync and remove', () => {
    it('replaces the job when a new version changes the schedule', async () => {
      h = harness();
      const wf = await h.workflows.create(scheduled({ intervalMs: 1000 }));
      await h.scheduler.start();
      await h.time.advance(2000);
      const v2 = await h.workflows.update(wf.id, scheduled({ intervalMs: 5000 }));
      h.scheduler.sync(v2);
      assert.equal(h.scheduler.nextFireOf(wf.id), Date.parse('2026-06-01T00:00:05.000Z'));
      await h.time.advance(8000);
      const items = await h.history(wf.id);
      assert.deepEqual(fireTimes(items, wf.id), [
        '2026-06-01T00:00:01.000Z',
        '2026-06-01T00:00:02.000Z',
        '2026-06-01T00:00:05.000Z',
        '2026-06-01T00:00:10.000Z',
      ]);
      assert.deepEqual(
        items.map((e) => e.workflowVersion),
        [1, 1, 2, 2],
      );
    });

    it('keeps the timer but runs the new version when only the definition changed', async () => {
      h = harness();
      const wf = await h.workflows.create(scheduled({ intervalMs: 1000 }));
      await h.scheduler.start();
      await h.time.advance(1000);
      h.scheduler.sync(await h.workflows.update(wf.id, { ...scheduled({ intervalMs: 1000 }), description: 'v2' }));
      h.scheduler.sync(wf); // a stale read of version 1 arriving late changes nothing
      await h.time.advance(1000);
      assert.deepEqual(
        (await h.history(wf.id)).map((e) => e.workflowVersion),
        [1, 2],
      );
    });

    it('stops firing when the schedule is removed from the workflow or the workflow is deleted', async () => {
      h = harness();
      const a = await h.workflows.create(scheduled({ intervalMs: 1000 }, 'echo', 'a'));
      const b = await h.workflows.create(scheduled({ intervalMs: 1000 }, 'echo', 'b'));
      await h.scheduler.start();
      await h.time.advance(1000);
      const { schedule: _dropped, ...unscheduled } = scheduled({ intervalMs: 1000 }, 'echo', 'a');
      h.scheduler.sync(await h.workflows.update(a.id, unscheduled));
      await h.workflows.delete(b.id);
      h.scheduler.remove(b.id);
      assert.equal(h.scheduler.size, 0);
      await h.time.advance(5000);
      assert.equal((await h.history(a.id)).length, 1);
      assert.equal((await h.history(b.id)).length, 1);
      assert.equal(h.time.pending, 0);
    });

    it('a workflow deleted by another process does not fire, and leaves the scheduler', async () => {
      h = harness();
      const wf = await h.workflows.create(scheduled({ intervalMs: 1000 }));
      await h.scheduler.start();
      await h.workflows.delete(wf.id);
      await h.time.advance(3000);
      assert.equal((await h.history(wf.id)).length, 0);
      assert.equal(h.scheduler.size, 0);
    });

    it('reconcile() picks up workflows created and deleted elsewhere', async () => {
      h = harness();
      await h.scheduler.start();
      const wf = await h.workflows.create(scheduled({ intervalMs: 1000 }));
      await h.time.advance(1000);
      assert.equal((await h.history(wf.id)).length, 0);
      await h.scheduler.reconcile();
      await h.time.advance(1000);
      assert.equal((await h.history(wf.id)).length, 1);
      await h.workflows.delete(wf.id);
      await h.scheduler.reconcile();
      assert.equal(h.scheduler.size, 0);
      assert.equal(h.time.pending, 0);
    });

    it('a re-read that started before a workflow was saved does not drop it', async () => {
      h = harness();
      await h.scheduler.start();
      const list = h.workflows.listScheduled.bind(h.workflows);
      let release!: () => void;
      h.workflows.listScheduled = async () => {
        const r = await list();
        await new Promise<void>((res) => (release = res));
        return r;
      };
      const reading = h.scheduler.reconcile();
      await new Promise((r) => setImmediate(r));
      h.scheduler.sync(await h.workflows.create(scheduled({ intervalMs: 1000 })));
      release();
      await reading;
      assert.equal(h.scheduler.size, 1);
    });

    it('does not crash on an invalid stored schedule; it just does not arm it', async () => {
      h = harness();
      const wf = await h.workflows.create(scheduled({ cron: 'not a cron' }));
      await h.scheduler.start();
      assert.equal(h.scheduler.size, 0);
      await h.time.advance(60_000);
      assert.equal((await h.history(wf.id)).length, 0);
      h.scheduler.remove('no-such-workflow');
    });

    it('stop() stops every job', async () => {
      h = harness();
      const wf = await h.workflows.create(scheduled({ intervalMs: 1000 }));
      await h.scheduler.start();
      await h.scheduler.stop();
      assert.equal(h.time.pending, 0);
      await h.time.advance(5000);
      assert.equal((await h.history(wf.id)).length, 0);
    });
  });
});
