import { bind, type Kernel } from '../../../core/kernel/kernel';
import { Tokens } from '../../../core/di/tokens';
import { silentLogger } from '../../../core/services/logger';
import { InMemoryExecutionStore } from '../../../core/store/in-memory-execution-store';
import { InMemoryWorkflowStore } from '../../../core/store/in-memory-workflow-store';
import type { ExecutionSummary } from '../../../core/model/execution-document';
import type { ScheduleDefinition, WorkflowDefinition } from '../../../core/model/workflow-definition';
import type { WeftConfig } from '../../../runtime/config/weft-config';
import { WorkflowScheduler } from '../../../runtime/scheduler/workflow-scheduler';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin } from '../../support/test-plugin';
import { FakeTime } from './fake-time';

/** A latch the `block` node waits on. */
export class Gate {
  private release!: () => void;
  private readonly opened = new Promise<void>((r) => (this.release = r));
  waiting = 0;
  async wait(): Promise<void> {
    this.waiting++;
    await this.opened;
  }
  open(): void {
    this.release();
  }
}

/** Everything a scheduler test needs; several harnesses can share stores and a clock (two "processes"). */
export interface Harness {
  time: FakeTime;
  executions: InMemoryExecutionStore;
  workflows: InMemoryWorkflowStore;
  kernel: Kernel;
  scheduler: WorkflowScheduler;
  gate: Gate;
  /** Every execution of a workflow, oldest first. */
  history(workflowId: string): Promise<ExecutionSummary[]>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  start?: number | string;
  missedFires?: WeftConfig['missedFires'];
  minIntervalMs?: number;
  /** Share these with another harness to model two processes on one database. */
  time?: FakeTime;
  executions?: InMemoryExecutionStore;
  workflows?: InMemoryWorkflowStore;
  /** Timer namespace (distinct per scheduler sharing a clock). */
  name?: string;
}

export function harness(options: HarnessOptions = {}): Harness {
  const time = options.time ?? new FakeTime(options.start ?? '2026-06-01T00:00:00.400Z');
  const executions = options.executions ?? new InMemoryExecutionStore();
  const workflows = options.workflows ?? new InMemoryWorkflowStore();
  const gate = new Gate();
  const kernel = startTestKernel({
    plugins: [
      createTestPlugin({
        echo: (input) => input ?? 'ok',
        block: async () => {
          await gate.wait();
          return 'released';
        },
      }),
    ],
    overrides: [bind(Tokens.ExecutionStore, () => executions)],
  });
  const scheduler = new WorkflowScheduler({
    workflowStore: workflows,
    executionStore: executions,
    executor: kernel.executor,
    clock: time,
    logger: silentLogger,
    config: { missedFires: options.missedFires ?? 'none', minIntervalMs: options.minIntervalMs ?? 1000 },
    timers: time.timers(options.name ?? 'default'),
    reconcileIntervalMs: 0,
    events: kernel.get(Tokens.EventBus),
  });
  return {
    time,
    executions,
    workflows,
    kernel,
    scheduler,
    gate,
    async history(workflowId) {
      const page = await executions.listExecutions({ workflowId, limit: 10_000 });
      return page.items.reverse();
    },
    async close() {
      gate.open();
      await scheduler.stop();
      await kernel.stop();
    },
  };
}

/** A one-node workflow with a schedule; `fn` is `echo` or `block`. */
export function scheduled(schedule: ScheduleDefinition, fn: 'echo' | 'block' = 'echo', name = 'tick'): WorkflowDefinition {
  return { name, schedule, nodes: [{ id: 'a', type: 'fn', config: { fn, input: 'x' } }] };
}

/** Fire times (ISO, from the idempotency keys) of a workflow's executions, in order. */
export function fireTimes(items: ExecutionSummary[], workflowId: string): string[] {
  const prefix = `schedule:${workflowId}:`;
  return items.map((e) => (e.idempotencyKey ?? '').slice(prefix.length)).sort();
}
