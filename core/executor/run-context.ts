import type { PlannedNode } from '../dag/execution-plan';
import type { NodeRunContext, TemplateScope } from '../plugin/node-type';
import type { Logger } from '../services/logger';

/** What a {@link RunContext} needs from its execution. */
export interface RunContextHost {
  readonly id: string;
  readonly workflowId: string;
  upstreamOf(node: PlannedNode): NodeRunContext['upstream'];
  childLogger(nodeId: string): Logger;
  token(nodeId: string, attempt: number, text: string): void;
}

/** A node's {@link NodeRunContext}; `logger` and `upstream` are built on first use (most nodes never touch them). */
export class RunContext implements NodeRunContext {
  readonly executionId: string;
  readonly workflowId: string;
  readonly nodeId: string;
  readonly limits: NodeRunContext['limits'];
  attempt = 1;
  private cachedLogger: Logger | undefined;
  private cachedUpstream: NodeRunContext['upstream'] | undefined;

  constructor(
    private readonly run: RunContextHost,
    private readonly node: PlannedNode,
    readonly scope: TemplateScope,
    public signal: AbortSignal,
  ) {
    this.executionId = run.id;
    this.workflowId = run.workflowId;
    this.nodeId = node.id;
    this.limits = node.definition.limits;
  }

  get logger(): Logger {
    return (this.cachedLogger ??= this.run.childLogger(this.nodeId));
  }

  get upstream(): NodeRunContext['upstream'] {
    return (this.cachedUpstream ??= this.run.upstreamOf(this.node));
  }

  emitToken(text: string): void {
    this.run.token(this.nodeId, this.attempt, text);
  }
}
