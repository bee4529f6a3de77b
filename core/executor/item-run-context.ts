import type { NodeProgress, NodeRunContext, TemplateScope } from '../plugin/node-type';
import type { NodeLimits } from '../model/workflow-definition';

/**
 * The context of one inline run inside a holder node (a `map` item): the holder's identity,
 * logger and upstream, the item's scope and limits; `attempt` and `signal` are its own. It may
 * park only when the holder takes a parked item (a map's inline `workflow` template).
 */
export class ItemRunContext implements NodeRunContext {
  attempt = 1;
  signal: AbortSignal;
  /** The item attempt's own deadline (its template's `timeoutMs`); null: none of its own. */
  private ownDeadlineAt: number | null = null;

  readonly item: NodeRunContext['item'];

  constructor(
    private readonly holder: NodeRunContext,
    readonly scope: TemplateScope,
    readonly limits: NodeLimits | undefined,
    index?: number,
    readonly canPark = false,
  ) {
    this.signal = holder.signal;
    this.item = index === undefined ? undefined : { index, holderAttempt: holder.attempt };
  }

  /** The item's own deadline, never later than the holder's (a map's node `timeoutMs`): a woken item past it times out. */
  get deadlineAt(): number | null {
    const own = this.ownDeadlineAt;
    const holder = this.holder.deadlineAt ?? null;
    return own === null ? holder : holder === null ? own : Math.min(own, holder);
  }

  set deadlineAt(at: number | null) {
    this.ownDeadlineAt = at;
  }

  /** The item attempt's own deadline (its template's `timeoutMs`; null: none): what a parked item keeps. */
  get ownDeadline(): number | null {
    return this.ownDeadlineAt;
  }

  get executionId(): string {
    return this.holder.executionId;
  }

  get workflowId(): string {
    return this.holder.workflowId;
  }

  get nodeId(): string {
    return this.holder.nodeId;
  }

  get logger(): NodeRunContext['logger'] {
    return this.holder.logger;
  }

  get upstream(): NodeRunContext['upstream'] {
    return this.holder.upstream;
  }

  emitToken(text: string): void {
    this.holder.emitToken(text);
  }

  /** An item's own progress is not the holder's: dropped. */
  progress(_p: NodeProgress): void {}
}
