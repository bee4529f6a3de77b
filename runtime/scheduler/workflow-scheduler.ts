import { AsyncTask, SimpleIntervalJob, ToadScheduler } from 'toad-scheduler';
import type { ScheduleService } from '../../core/services/schedule-service';
import type { ScheduleDefinition } from '../../core/model/workflow-definition';
import type { ValidationIssue } from '../../core/plugin/node-type';
import type { WorkflowRecord, WorkflowStore } from '../../core/store/workflow-store';
import type { ExecutionStore } from '../../core/store/execution-store';
import type { WorkflowExecutor } from '../../core/executor/workflow-executor';
import type { Clock } from '../../core/services/clock';
import type { Logger } from '../../core/services/logger';
import type { EventBus } from '../../core/events/event-bus';
import type { WeftConfig } from '../config/weft-config';
import { InlineExecutionDispatcher, type ExecutionDispatcher } from '../queue/execution-dispatcher';
import { CronMatchers, createFireTimeCalculator, type FireTimeCalculator } from './fire-time-calculator';
import { validateSchedule } from './schedule-validator';
import { TimeZoneOffsets, formatWithOffset } from './time-zone-offsets';
import { ToadSchedulerTimers } from './toad-scheduler-timers';
import type { SchedulerTimers } from './scheduler-timers';
import { ScheduledFireRunner, fireTimeOfKey, type FireOutcome } from './scheduled-fire';

export interface WorkflowSchedulerDeps {
  workflowStore: WorkflowStore;
  executionStore: ExecutionStore;
  executor: Pick<WorkflowExecutor, 'start'>;
  clock: Clock;
  logger: Logger;
  config: Pick<WeftConfig, 'missedFires' | 'minIntervalMs'>;
  /** Defaults to {@link ToadSchedulerTimers} on `clock`; tests pass a fake that advances time. */
  timers?: SchedulerTimers;
  /** Where fires go; defaults to `executor` in this process (queue mode passes the pg-boss queue). */
  dispatcher?: ExecutionDispatcher;
  /** Where a skipped fire's end is published (metrics and streams count it like any other end). */
  events?: EventBus;
  /**
   * How often the scheduled workflows are re-read from the store (ms, 0 = never), so that a
   * process sees workflows created, changed or deleted through another `weft serve`. Default 30 s.
   */
  reconcileIntervalMs?: number;
}

interface ScheduledJob {
  record: WorkflowRecord;
  schedule: ScheduleDefinition;
  /** Identity of the schedule (same key: same fire times). */
  scheduleKey: string;
  calc: FireTimeCalculator;
  nextFire: number | null;
  /** The schedule has no fire times left (a cron with a year range, say). */
  exhausted: boolean;
  /** Sync counter value when the job was last synced (reconcile must not drop jobs synced after its read). */
  seq: number;
}

/** Fires looked at when searching the last recorded scheduled execution (missed-fire catch-up). */
const HISTORY_PAGE = 100;
/** Catch-up fires started at once on start (a big installation must not open a thousand queries). */
const CATCH_UP_CONCURRENCY = 8;

/**
 * Runs saved workflows on their schedules. Fire times come from {@link FireTimeCalculator}
 * (croner for cron patterns, our DST rules, epoch-anchored intervals); timers come from
 * {@link SchedulerTimers} (toad-scheduler in production; a fake clock in tests). Each fire starts
 * an execution whose idempotency key names the workflow and the *scheduled* fire time, so
 * several processes on one database run every fire exactly once.
 */
export class WorkflowScheduler implements ScheduleService {
  private readonly jobs = new Map<string, ScheduledJob>();
  private readonly zones = new TimeZoneOffsets();
  private readonly matchers = new CronMatchers();
  private readonly timers: SchedulerTimers;
  private readonly runner: ScheduledFireRunner;
  private readonly log: Logger;
  private readonly inflight = new Set<Promise<unknown>>();
  private housekeeping: ToadScheduler | null = null;
  private running = false;
  private seq = 0;

  constructor(private readonly deps: WorkflowSchedulerDeps) {
    this.log = deps.logger.child({ component: 'scheduler' });
    this.timers = deps.timers ?? new ToadSchedulerTimers(deps.clock, this.log);
    this.runner = new ScheduledFireRunner({
      executionStore: deps.executionStore,
      dispatcher: deps.dispatcher ?? new InlineExecutionDispatcher(deps.executor),
      clock: deps.clock,
      logger: this.log,
      events: deps.events,
    });
  }

  validate(schedule: ScheduleDefinition): ValidationIssue[] {
    return validateSchedule(schedule, { minIntervalMs: this.deps.config.minIntervalMs, now: this.deps.clock.now(), zones: this.zones });
  }

  nextFireTimes(schedule: ScheduleDefinition, count: number, after?: Date): string[] {
    const calc = createFireTimeCalculator(schedule, this.zones, this.matchers);
    const n = Math.max(0, Math.min(Math.floor(count), 1000));
    const out: string[] = [];
    let t: number | null = after ? after.getTime() : this.deps.clock.now();
    while (out.length < n && (t = calc.next(t)) !== null) out.push(formatWithOffset(this.zones, calc.timeZone, t));
    return out;
  }

  sync(record: WorkflowRecord): void {
    const schedule = record.schedule ?? record.definition.schedule ?? null;
    if (!schedule) return this.remove(record.id);
    const existing = this.jobs.get(record.id);
    if (existing && record.version < existing.record.version) return; // an older read arriving late
    const scheduleKey = JSON.stringify([
      schedule.overlap ?? 'skip',
      'cron' in schedule ? [schedule.cron, schedule.timezone ?? null] : schedule.intervalMs,
    ]);
    if (existing && existing.scheduleKey === scheduleKey) {
      existing.record = record; // same fire times: the armed timer stays, later fires run the new version
      existing.schedule = schedule;
      existing.seq = ++this.seq;
      return;
    }
    let calc: FireTimeCalculator;
    try {
      calc = createFireTimeCalculator(schedule, this.zones, this.matchers);
    } catch (err) {
      this.log.error({ err, workflowId: record.id }, 'invalid schedule; the workflow will not fire');
      return this.remove(record.id);
    }
    const job: ScheduledJob = { record, schedule, scheduleKey, calc, nextFire: null, exhausted: false, seq: ++this.seq };
    this.jobs.set(record.id, job);
    if (this.running) this.armNext(job, this.deps.clock.now());
  }

  remove(workflowId: string): void {
    this.jobs.delete(workflowId);
    this.timers.disarm(workflowId);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.reconcile();
    } catch (err) {
      this.running = false;
      throw err;
    }
    if (this.deps.config.missedFires === 'one') {
      const queue = [...this.jobs.values()];
      const worker = async () => {
        for (let job = queue.shift(); job; job = queue.shift()) await this.catchUp(job);
      };
      await Promise.all(Array.from({ length: CATCH_UP_CONCURRENCY }, worker));
    }
    const every = this.deps.reconcileIntervalMs ?? 30_000;
    if (every > 0 && this.running) {
      this.housekeeping = new ToadScheduler();
      const task = new AsyncTask(
        'weft.scheduler.reconcile',
        () => this.reconcile(),
        (err) => this.log.error({ err }, 'could not re-read the scheduled workflows'),
      );
      // toad-scheduler's interval job, with overrun prevention: a slow store never stacks re-reads.
      this.housekeeping.addSimpleIntervalJob(
        new SimpleIntervalJob({ milliseconds: every }, task, { id: 'weft.scheduler.reconcile', preventOverrun: true, unref: true }),
      );
    }
    this.log.info({ schedules: this.jobs.size }, 'scheduler started');
  }

  async stop(): Promise<void> {
    this.running = false;
    this.housekeeping?.stop();
    this.housekeeping = null;
    this.timers.disarmAll();
    for (const job of this.jobs.values()) job.nextFire = null;
    await Promise.allSettled([...this.inflight]);
  }

  /**
   * Re-reads every scheduled workflow: new and changed ones are (re)armed, deleted or unscheduled
   * ones removed. Runs on start and every `reconcileIntervalMs`.
   */
  async reconcile(): Promise<void> {
    const readAt = this.seq;
    const records = await this.deps.workflowStore.listScheduled();
    if (!this.running) return;
    const seen = new Set<string>();
    for (const r of records) {
      // Thousands of schedules: let the event loop breathe (parsing a new cron pattern takes ~1 ms).
      if (seen.size % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
      if (!this.running) return;
      seen.add(r.id);
      this.sync(r);
      const job = this.jobs.get(r.id);
      if (job && job.nextFire === null && !job.exhausted) this.armNext(job, this.deps.clock.now());
    }
    // A job synced after the read began (a workflow saved meanwhile) is newer than the read: keep it.
    for (const [id, job] of [...this.jobs]) if (!seen.has(id) && job.seq <= readAt) this.remove(id);
  }

  /** The next armed fire time of a workflow (diagnostics and tests), or null. */
  nextFireOf(workflowId: string): number | null {
    return this.jobs.get(workflowId)?.nextFire ?? null;
  }

  /** Scheduled workflows known to this scheduler. */
  get size(): number {
    return this.jobs.size;
  }

  private armNext(job: ScheduledJob, after: number): void {
    const id = job.record.id;
    const next = job.calc.next(after);
    job.nextFire = next;
    if (next === null) {
      job.exhausted = true;
      this.timers.disarm(id);
      this.log.info({ workflowId: id }, 'the schedule has no further fire times');
      return;
    }
    this.timers.arm(id, next, () => this.onTimer(id, job, next));
  }

  /** A timer went off for `fireTime`: arm the next one first (keeps jitter low), then fire. */
  private async onTimer(workflowId: string, job: ScheduledJob, fireTime: number): Promise<void> {
    if (!this.running || this.jobs.get(workflowId) !== job || job.nextFire !== fireTime) return;
    const now = this.deps.clock.now();
    // When the process was stalled past several fire times, the ones in between are dropped: no storm.
    this.armNext(job, Math.max(fireTime, now));
    await this.track(this.fireJob(job, fireTime));
  }

  private async fireJob(job: ScheduledJob, fireTime: number): Promise<FireOutcome | null> {
    const id = job.record.id;
    try {
      // Fire the current version: another process may have changed or deleted the workflow.
      const current = await this.deps.workflowStore.get(id);
      if (!current || !(current.schedule ?? current.definition.schedule)) {
        if (this.jobs.get(id) === job) {
          this.remove(id);
          this.log.info({ workflowId: id }, 'schedule removed: the workflow was deleted or unscheduled elsewhere');
        }
        return null;
      }
      if (current.version !== job.record.version) {
        this.sync(current);
        if (this.jobs.get(id) !== job) return null; // the schedule changed: this fire time may not belong to it
      }
      const outcome = await this.runner.fire(job.record, job.schedule.overlap ?? 'skip', fireTime);
      const at = new Date(fireTime).toISOString();
      if (outcome.kind === 'skipped')
        this.log.info(
          { workflowId: id, fireTime: at, runningId: outcome.runningId },
          'fire skipped: the previous scheduled run is still running',
        );
      else this.log.debug({ workflowId: id, fireTime: at, ...outcome }, 'scheduled fire');
      return outcome;
    } catch (err) {
      this.log.error({ err, workflowId: id, fireTime: new Date(fireTime).toISOString() }, 'scheduled fire failed');
      return null;
    }
  }

  /**
   * `missedFires: one`: the most recent fire time that passed while no process ran the schedule
   * (after the last recorded scheduled execution and after the schedule was saved) runs once.
   * Idempotency keys make this safe when another process already ran it.
   */
  private async catchUp(job: ScheduledJob): Promise<void> {
    if (!this.running) return;
    const id = job.record.id;
    const missed = job.calc.previous(this.deps.clock.now());
    if (missed === null) return;
    let since = Date.parse(job.record.updatedAt);
    try {
      const page = await this.deps.executionStore.listExecutions({ workflowId: id, limit: HISTORY_PAGE });
      for (const e of page.items) {
        const t = e.trigger === 'schedule' ? fireTimeOfKey(id, e.idempotencyKey) : null;
        if (t !== null && !(t <= since)) since = t;
      }
    } catch (err) {
      this.log.warn({ err, workflowId: id }, 'could not read the execution history for missed fires');
      return;
    }
    if (!(missed > since)) return;
    this.log.info({ workflowId: id, fireTime: new Date(missed).toISOString() }, 'running one missed fire');
    await this.track(this.fireJob(job, missed));
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
    return p;
  }
}
