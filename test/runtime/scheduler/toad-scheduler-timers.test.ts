import assert from 'node:assert/strict';
import { JobStatus } from 'toad-scheduler';
import { systemClock } from '../../../core/services/clock';
import { silentLogger, type Logger } from '../../../core/services/logger';
import { ToadSchedulerTimers } from '../../../runtime/scheduler/toad-scheduler-timers';
import { waitFor } from '../../support/wait-for';

/** The job behind a key: RUNNING while a timer is pending, STOPPED when nothing is left to fire. */
type Job = { start(): void; getStatus(): JobStatus };
const jobsOf = (timers: ToadSchedulerTimers) => (timers as unknown as { jobs: Map<string, Job> }).jobs;

describe('ToadSchedulerTimers (real timers)', () => {
  let timers: ToadSchedulerTimers;
  afterEach(() => timers?.disarmAll());

  it('fires once at the instant, never before it', async () => {
    timers = new ToadSchedulerTimers(systemClock, silentLogger);
    const at = Date.now() + 40;
    const fired: number[] = [];
    timers.arm('w', at, () => void fired.push(Date.now()));
    await waitFor(() => fired.length > 0, 'the fire');
    assert.ok(fired[0]! >= at, `fired ${at - fired[0]!} ms early`);
    // once fired the job holds no timer: there is nothing left that could fire it again
    await waitFor(() => jobsOf(timers).get('w')!.getStatus() === JobStatus.STOPPED, 'the job to stop');
    assert.equal(fired.length, 1);
  });

  it('re-arming a key replaces its timer; disarm cancels it; one job per key', async () => {
    timers = new ToadSchedulerTimers(systemClock, silentLogger);
    const fired: string[] = [];
    timers.arm('w', Date.now() + 30, () => void fired.push('first'));
    timers.arm('w', Date.now() + 50, () => void fired.push('second'));
    timers.arm('x', Date.now() + 30, () => void fired.push('x'));
    assert.equal(timers.size, 2);
    timers.disarm('x');
    // 'first' and 'x' were due before 'second': had either survived, it would be seen first
    await waitFor(() => fired.length > 0, 'a fire');
    assert.deepEqual(fired, ['second']);
    assert.equal(timers.size, 1);
    assert.equal(jobsOf(timers).get('w')!.getStatus(), JobStatus.STOPPED);
  });

  it('an instant in the past fires at once; a fire that throws goes to the logger, not to an unhandled rejection', async () => {
    const errors: unknown[] = [];
    const logger: Logger = { ...silentLogger, error: (o) => void errors.push(o), child: () => logger };
    timers = new ToadSchedulerTimers(systemClock, logger);
    timers.arm('boom', Date.now() - 1000, async () => {
      throw new Error('boom');
    });
    await waitFor(() => errors.length > 0, 'the failed fire to be logged');
    assert.equal(errors.length, 1);
  });

  it('chains long waits and re-reads the clock instead of trusting one long setTimeout', async () => {
    // a clock that jumps: the timer was armed for +1 h, then the wall clock moves forward by an hour
    let offset = 0;
    const clock = { now: () => Date.now() + offset, sleep: (ms: number, signal?: AbortSignal) => systemClock.sleep(ms, signal) };
    timers = new ToadSchedulerTimers(clock, silentLogger);
    let fired = 0;
    timers.arm('w', clock.now() + 3_600_000, () => void fired++);
    offset = 3_600_000;
    // the chained wait re-checks at most MAX_TIMER_DELAY_MS later; force that check now
    jobsOf(timers).get('w')!.start();
    await waitFor(() => fired > 0, 'the fire after the clock jump');
    assert.equal(fired, 1);
  });

  it('disarmAll stops everything', () => {
    timers = new ToadSchedulerTimers(systemClock, silentLogger);
    let fired = 0;
    for (let i = 0; i < 50; i++) timers.arm(`w${i}`, Date.now() + 20, () => void fired++);
    const jobs = [...jobsOf(timers).values()];
    assert.ok(jobs.every((j) => j.getStatus() === JobStatus.RUNNING));
    timers.disarmAll();
    // no job keeps a timer, so none can fire later
    assert.ok(jobs.every((j) => j.getStatus() === JobStatus.STOPPED));
    assert.equal(fired, 0);
    assert.equal(timers.size, 0);
  });
});
