import type { DispatchedExecution, ExecutionDispatcher } from '../core/executor/execution-dispatcher';
import type { ExecuteOptions } from '../core/executor/execute-options';
import { systemClock } from '../core/services/clock';
import { silentLogger } from '../core/services/logger';
import { InMemoryExecutionStore } from '../core/store/in-memory-execution-store';
import { InMemoryWorkflowStore } from '../core/store/in-memory-workflow-store';
import type { WorkflowDefinition } from '../core/model/workflow-definition';
import { WorkflowScheduler } from '../runtime/scheduler/workflow-scheduler';
import { ToadSchedulerTimers } from '../runtime/scheduler/toad-scheduler-timers';
import type { SchedulerTimers } from '../runtime/scheduler/scheduler-timers';
import { fmt, median, percentile, report } from './bench-stats';

const JITTER_SCHEDULES = 100;
const JITTER_RUN_MS = 6_000;
const JITTER_RUNS = 3;
const CRON_SCHEDULES = 10_000;
const IDLE_MS = 5_000;

const gc = () => (globalThis as { gc?: () => void }).gc?.();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Records when each fire reaches dispatch, against the scheduled time in its idempotency key; runs nothing. */
class LatenessProbe implements ExecutionDispatcher {
  readonly lateness: number[] = [];
  private n = 0;
  async dispatch(_definition: WorkflowDefinition, options: ExecuteOptions): Promise<DispatchedExecution> {
    const now = Date.now();
    const fireTime = Date.parse(options.idempotencyKey!.slice(`schedule:${options.workflowId}:`.length));
    this.lateness.push(now - fireTime);
    return { executionId: `probe-${++this.n}`, created: true };
  }
}

/** The production timers, recording how late each timer callback runs against its instant. */
class MeasuredTimers implements SchedulerTimers {
  readonly lateness: number[] = [];
  private readonly inner = new ToadSchedulerTimers(systemClock, silentLogger);
  arm(key: string, at: number, fire: () => void | Promise<void>): void {
    this.inner.arm(key, at, () => {
      this.lateness.push(Date.now() - at);
      return fire();
    });
  }
  disarm(key: string): void {
    this.inner.disarm(key);
  }
  disarmAll(): void {
    this.inner.disarmAll();
  }
}

function scheduler(workflows: InMemoryWorkflowStore, dispatcher: ExecutionDispatcher, timers?: SchedulerTimers): WorkflowScheduler {
  return new WorkflowScheduler({
    timers,
    workflowStore: workflows,
    executionStore: new InMemoryExecutionStore(),
    executor: { start: () => Promise.reject(new Error('not used')) },
    clock: systemClock,
    logger: silentLogger,
    config: { missedFires: 'none', minIntervalMs: 100 },
    dispatcher,
    reconcileIntervalMs: 0,
  });
}

const node = [{ id: 'a', type: 'tool', config: { tool: 'core.echo', input: 1 } }];

/**
 * Fire jitter (dispatch time − scheduled time) of 100 interval schedules at 100–500 ms while the
 * event loop is kept busy: a 2–12 ms burst of CPU work every 25 ms (~30% of the loop).
 */
interface Jitter {
  /** Timer callback − scheduled instant: when the scheduler starts the fire. */
  timer: { p50: number; p99: number; max: number };
  /** Dispatch − scheduled instant: after reading the workflow and the overlap check (in-memory stores here). */
  dispatch: { p50: number; p99: number; max: number };
  fires: number;
}

const stats = (l: number[]) => ({ p50: percentile(l, 50), p99: percentile(l, 99), max: Math.max(...l) });

async function jitterRun(busy: boolean): Promise<Jitter> {
  const workflows = new InMemoryWorkflowStore();
  for (let i = 0; i < JITTER_SCHEDULES; i++) {
    await workflows.create({ name: `j${i}`, schedule: { intervalMs: 100 + (i % 5) * 100, overlap: 'allow' }, nodes: node });
  }
  const probe = new LatenessProbe();
  const timers = new MeasuredTimers();
  const s = scheduler(workflows, probe, timers);
  let burner: NodeJS.Timeout | undefined;
  if (busy) {
    burner = setInterval(() => {
      const until = performance.now() + 2 + Math.random() * 10;
      while (performance.now() < until) {
        /* CPU burst */
      }
    }, 25);
  }
  await s.start();
  await sleep(JITTER_RUN_MS);
  await s.stop();
  if (burner) clearInterval(burner);
  return { timer: stats(timers.lateness), dispatch: stats(probe.lateness), fires: probe.lateness.length };
}

/**
 * 10,000 cron schedules with 1,440 distinct patterns (a daily time at every minute of the day,
 * seconds varied), spread over zones, none due in the window: start time, memory, idle CPU.
 */
async function registeredCron(): Promise<{ heapMb: number; rssMb: number; startMs: number; idleCpuPct: number }> {
  const workflows = new InMemoryWorkflowStore();
  const zones = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney'];
  for (let i = 0; i < CRON_SCHEDULES; i++) {
    const tz = zones[i % zones.length]!;
    const minuteOfDay = i % 1440;
    await workflows.create({
      name: `c${i}`,
      schedule: { cron: `${i % 7} ${minuteOfDay % 60} ${Math.floor(minuteOfDay / 60)} * * *`, timezone: tz },
      nodes: node,
    });
  }
  // a few of these fall due during the window (about 7 a minute): their fires count in the CPU figure
  const probe = new LatenessProbe();
  const s = scheduler(workflows, probe);
  gc();
  await sleep(100);
  gc();
  const before = process.memoryUsage();
  const t0 = performance.now();
  await s.start();
  const startMs = performance.now() - t0;
  gc();
  await sleep(100);
  gc();
  const after = process.memoryUsage();
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  await sleep(IDLE_MS);
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - w0;
  await s.stop();
  return {
    heapMb: (after.heapUsed - before.heapUsed) / 1048576,
    rssMb: (after.rss - before.rss) / 1048576,
    startMs,
    idleCpuPct: ((cpu.user + cpu.system) / 1000 / wall) * 100,
  };
}

export async function run(): Promise<void> {
  console.log('\n## scheduler: fire jitter and the cost of many schedules');
  await jitterRun(false); // warm-up
  const idle = [];
  const busy = [];
  for (let i = 0; i < JITTER_RUNS; i++) idle.push(await jitterRun(false));
  for (let i = 0; i < JITTER_RUNS; i++) busy.push(await jitterRun(true));
  report(
    `fires per run (${JITTER_SCHEDULES} schedules at 100-500 ms, ${JITTER_RUN_MS / 1000} s)`,
    fmt(median(busy.map((r) => r.fires)), 0),
  );
  const line = (runs: Jitter[], which: 'timer' | 'dispatch') =>
    `${fmt(median(runs.map((r) => r[which].p50)), 1)} / ${fmt(median(runs.map((r) => r[which].p99)), 1)} / ${fmt(median(runs.map((r) => r[which].max)), 1)}`;
  report('timer jitter p50 / p99 / max, idle loop (ms)', line(idle, 'timer'));
  report('dispatch jitter p50 / p99 / max, idle loop (ms)', line(idle, 'dispatch'));
  const busyTimerP99 = median(busy.map((r) => r.timer.p99));
  const busyDispatchP99 = median(busy.map((r) => r.dispatch.p99));
  report('timer jitter p50 / p99 / max, busy loop (ms)', line(busy, 'timer'), '≤ 20 ms p99', busyTimerP99 <= 20);
  report('dispatch jitter p50 / p99 / max, busy loop (ms)', line(busy, 'dispatch'), '≤ 20 ms p99', busyDispatchP99 <= 20);

  const cron = [];
  for (let i = 0; i < 2; i++) cron.push(await registeredCron());
  const idleCpu = median(cron.map((r) => r.idleCpuPct));
  report(`${CRON_SCHEDULES} cron schedules: start (ms)`, fmt(median(cron.map((r) => r.startMs)), 0));
  report(
    `${CRON_SCHEDULES} cron schedules: heap / RSS delta (MB)`,
    `${fmt(median(cron.map((r) => r.heapMb)), 1)} / ${fmt(median(cron.map((r) => r.rssMb)), 1)}`,
  );
  report(`${CRON_SCHEDULES} cron schedules: idle CPU over ${IDLE_MS / 1000} s (% of a core)`, fmt(idleCpu, 2), '< 2%', idleCpu < 2);
}
