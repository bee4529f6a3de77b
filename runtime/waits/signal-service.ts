import type { WaitService } from '../../core/services/wait-service';
import type { WorkflowStore } from '../../core/store/workflow-store';
import type { NodeTypeRegistry } from '../../core/plugin/node-type-registry';
import type { WorkflowDefinition } from '../../core/model/workflow-definition';
import { TERMINAL_EXECUTION_STATUSES } from '../../core/model/execution-document';
import { ConflictError, NotFoundError } from '../../core/errors/weft-error';
import type { SqlExecutionStore } from '../persistence/sql-execution-store';
import { bufferSignalOp } from '../persistence/signal-sql';
import { fromJson } from '../persistence/sql-codec';
import type { WaitPoller } from './wait-poller';

export interface SignalServiceDeps {
  store: SqlExecutionStore;
  workflowStore: Pick<WorkflowStore, 'getVersion'>;
  registry: NodeTypeRegistry;
  poller: WaitPoller;
  now?: () => number;
}

const SELECT = 'select status, workflow_id, workflow_version, definition from workflow_execution where id = ?';

/**
 * Delivers signals: checks that a node of the execution's pinned workflow declares the name,
 * keeps the signal on the execution (first in, first out) and nudges the poller, which wakes the
 * execution at once when it is parked on that name (or when it parks later).
 */
export class SignalService implements WaitService {
  constructor(private readonly deps: SignalServiceDeps) {}

  async signal(executionId: string, name: string, payload: unknown): Promise<{ receivedAt: string }> {
    const shown = `"${String(executionId).slice(0, 40)}"`;
    if (typeof executionId !== 'string' || !executionId || executionId.length > 36 || executionId.includes('\u0000')) {
      throw new NotFoundError(`execution ${shown} not found`);
    }
    const [row] = await this.deps.store.query(SELECT, [executionId]);
    if (!row) throw new NotFoundError(`execution ${shown} not found`);
    if ((TERMINAL_EXECUTION_STATUSES as readonly string[]).includes(String(row.status))) {
      throw new ConflictError(`execution ${shown} already finished (${String(row.status)}): its signals are dropped`);
    }
    const definition =
      (await this.deps.workflowStore.getVersion(String(row.workflow_id), Number(row.workflow_version)).catch(() => null)) ??
      fromJson<WorkflowDefinition>(row.definition);
    if (!definition || !this.declared(definition).has(name)) {
      throw new NotFoundError(
        `no wait node of workflow "${String(row.workflow_id)}" (version ${String(row.workflow_version)}) waits for signal "${name}"`,
      );
    }
    const now = (this.deps.now ?? Date.now)();
    const r = await this.deps.store.writer.run(bufferSignalOp(executionId, name, JSON.stringify(payload ?? null), now));
    if (r.kind === 'missing') throw new NotFoundError(`execution ${shown} not found`);
    if (r.kind === 'finished') throw new ConflictError(`execution ${shown} already finished (${r.status}): its signals are dropped`);
    this.deps.poller.nudge(executionId);
    return { receivedAt: new Date(now).toISOString() };
  }

  /** The signal names the workflow's nodes declare (through their node type's `signals`). */
  private declared(definition: WorkflowDefinition): Set<string> {
    const names = new Set<string>();
    for (const node of definition.nodes ?? []) {
      if (!this.deps.registry.has(node.type)) continue;
      for (const n of this.deps.registry.get(node.type).executor.signals?.(node.config ?? {}) ?? []) names.add(n);
    }
    return names;
  }
}
