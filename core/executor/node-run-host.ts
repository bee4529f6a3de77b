import type { ExecutionPlan, PlannedNode } from '../dag/execution-plan';
import type { ExecutionContext } from '../context/execution-context';
import type { NodeProgress, NodeRunContext } from '../plugin/node-type';
import type { ExecutionSecrets } from '../secrets/execution-secrets';
import type { Clock } from '../services/clock';
import type { Logger } from '../services/logger';
import type { ExecutionEventPublisher } from './execution-event-publisher';
import type { RunContextHost } from './run-context';

/** What a running node's {@link RunContext} reads from and publishes to its execution. */
export class NodeRunHost implements RunContextHost {
  constructor(
    readonly id: string,
    readonly workflowId: string,
    private readonly plan: ExecutionPlan,
    private readonly context: ExecutionContext,
    private readonly events: ExecutionEventPublisher,
    private readonly secrets: ExecutionSecrets,
    private readonly clock: Clock,
    /** The execution's logger, made on first use. */
    private readonly log: () => Logger,
  ) {}

  /** The outputs of the node's upstream nodes. */
  upstreamOf(node: PlannedNode): NodeRunContext['upstream'] {
    return node.upstream
      .map((u) => this.plan.nodes[u]!.id)
      .filter((id) => this.context.hasOutput(id))
      .map((id) => ({ nodeId: id, output: this.context.getOutput(id) }));
  }

  childLogger(nodeId: string): Logger {
    return this.log().child({ nodeId });
  }

  /** A streamed token event. */
  token(nodeId: string, attempt: number, text: string): void {
    const safe = this.secrets.token(`${nodeId}#${attempt}`, text);
    if (safe) this.events.emit({ kind: 'token', nodeId, attempt, text: safe });
  }

  /** A fan-out node's progress, as a `running` node event. */
  progress(nodeId: string, attempt: number, progress: NodeProgress): void {
    this.events.emit({ kind: 'node', nodeId, status: 'running', attempt, progress });
  }

  now(): number {
    return this.clock.now();
  }
}
