import type { PlannedNode } from '../dag/execution-plan';
import { PROGRESS_INTERVAL_MS, type NodeProgress, type NodeRunContext, type TemplateScope } from '../plugin/node-type';
import type { Logger } from '../services/logger';

/** What a {@link RunContext} needs from its execution. */
export interface RunContextHost {
  readonly id: string;
  readonly workflowId: string;
  upstreamOf(node: PlannedNode): NodeRunContext['upstream'];
  childLogger(nodeId: string): Logger;
  token(nodeId: string, attempt: number, text: string): void;
  progress(nodeId: string, attempt: number, progress: NodeProgress): void;
  /** Milliseconds on the execution's clock. */
  now(): number;
}

/** A node's {@link NodeRunContext}; `logger` and `upstream` are built on first use (most nodes never touch them). */
export class RunContext implements NodeRunContext {
  readonly executionId: string;
  readonly workflowId: string;
  readonly nodeId: string;
  readonly limits: NodeRunContext['limits'];
  attempt = 1;
  deadlineAt: number | null = null;
  private cachedLogger: Logger | undefined;
  private cachedUpstream: NodeRunContext['upstream'] | undefined;
  private lastProgressMs = -Infinity;

  constructor(
    private readonly run: RunContextHost,
    private readonly node: PlannedNode,
    readonly scope: TemplateScope,
    public signal: AbortSignal,
    readonly canPark = false,
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

  progress(p: NodeProgress): void {
    const now = this.run.now();
    if (now - this.lastProgressMs < PROGRESS_INTERVAL_MS) return;
    this.lastProgressMs = now;
    this.run.progress(this.nodeId, this.attempt, { done: p.done, failed: p.failed, total: p.total });
  }
}
