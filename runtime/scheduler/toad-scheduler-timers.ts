import { AsyncTask, Job, JobStatus, ToadScheduler, type SimpleIntervalJob } from 'toad-scheduler';
import type { Clock } from '../../core/services/clock';
import type { Logger } from '../../core/services/logger';
import type { SchedulerTimers } from './scheduler-timers';

/**
 * Longest single wait. Longer waits are chained, which keeps clear of setTimeout's 2^31 ms limit
 * and re-reads the wall clock every minute, so a clock step (NTP, suspend) delays a fire by at
 * most this much instead of indefinitely.
 */
export const MAX_TIMER_DELAY_MS = 60_000;

/**
 * A toad-scheduler job that runs its task once at an exact instant and can be re-armed.
 *
 * Why not toad's own jobs: `SimpleIntervalJob` is a `setInterval` started when the process
 * starts, so two `weft serve` processes would fire at different instants (different idempotency
 * keys: both would run) and the phase drifts; `CronJob` hands croner the timezone (which repeats
 * fires around spring-forward gaps, see fire-time-calculator.ts) and does not tell the task which
 * fire time it is running. toad's engines also keep every job ever added, so re-creating a job per
 * fire would leak. So each workflow gets one long-lived job of this kind: toad keeps the registry
 * (lookup, removal, stop-all) and runs the work in an `AsyncTask` (errors go to its handler, never
 * to an unhandled rejection); the job arms a `setTimeout` for the exact next fire instant computed
 * by croner (fire-time-calculator.ts) and is re-armed after each fire, which keeps jitter to the
 * event loop's own latency.
 */
export class ExactInstantJob extends Job {
  private timer: NodeJS.Timeout | undefined;
  private at = 0;
  private fire: (() => void | Promise<void>) | null = null;
  private readonly task: AsyncTask;

  constructor(
    id: string,
    private readonly clock: Clock,
    logger: Logger,
  ) {
    super(id);
    this.task = new AsyncTask(
      id,
      async () => {
        const fire = this.fire;
        this.fire = null;
        if (fire) await fire();
      },
      (err) => logger.error({ err, job: id }, 'scheduled fire failed'),
    );
  }

  /** Sets the instant and callback, then (re)starts the timer. */
  arm(at: number, fire: () => void | Promise<void>): void {
    this.at = at;
    this.fire = fire;
    this.start();
  }

  start(): void {
    this.clear();
    if (!this.fire) return;
    const delay = Math.min(Math.max(this.at - this.clock.now(), 0), MAX_TIMER_DELAY_MS);
    this.timer = setTimeout(() => this.onTimer(), delay);
    // The HTTP server or the worker loop keeps the process alive, not a pending schedule.
    this.timer.unref();
  }

  stop(): void {
    this.clear();
    this.fire = null;
  }

  getStatus(): JobStatus {
    return this.timer ? JobStatus.RUNNING : JobStatus.STOPPED;
  }

  private onTimer(): void {
    this.timer = undefined;
    // Timers run on a monotonic clock and may wake a millisecond "early" by the wall clock, or a
    // minute early by design (chained waits): never fire before the instant.
    if (this.clock.now() < this.at) return this.start();
    this.task.execute(this.id);
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** {@link SchedulerTimers} on toad-scheduler: one {@link ExactInstantJob} per key. */
export class ToadSchedulerTimers implements SchedulerTimers {
  private readonly toad = new ToadScheduler();
  private readonly jobs = new Map<string, ExactInstantJob>();

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  arm(key: string, at: number, fire: () => void | Promise<void>): void {
    let job = this.jobs.get(key);
    if (!job) {
      job = new ExactInstantJob(key, this.clock, this.logger);
      this.jobs.set(key, job);
      // toad's typings name its own interval classes, but its engines only call start()/stop() and
      // toad's Job base class exists for custom jobs like this one.
      this.toad.addIntervalJob(job as unknown as SimpleIntervalJob);
    }
    job.arm(at, fire);
  }

  disarm(key: string): void {
    if (!this.jobs.delete(key)) return;
    this.toad.removeById(key);
  }

  disarmAll(): void {
    this.toad.stop();
    for (const key of this.jobs.keys()) this.toad.removeById(key);
    this.jobs.clear();
  }

  /** Number of armed jobs (benchmarks, diagnostics). */
  get size(): number {
    return this.jobs.size;
  }
}
