import {
  defineNodeType,
  ErrorCodes,
  NodeExecutionError,
  parkNode,
  TimeoutError,
  Tokens,
  type ChildExecutions,
  type ExecutionDocument,
  type NodeRunContext,
} from '../../core/index';
import { workflowConfigSchema, type WorkflowNodeConfig } from './workflow-config.schema';

interface Deps {
  children: ChildExecutions;
}

/**
 * The `workflow` node type: runs a saved workflow as a child execution (trigger `workflow`) and
 * outputs the child's `outputs`. The child's failure fails the node with `WF_CHILD_FAILED`
 * naming the child; cancelling the parent cancels the child (through the node's signal, or, once
 * parked, through the store). A child that waits, or runs in another process (a queue worker),
 * parks the node on the child's end instead of holding a slot and a worker: when the child ends,
 * the node runs again, re-attaches to the same child and takes its result.
 */
export const workflowNodeType = defineNodeType<WorkflowNodeConfig, Deps>({
  type: 'workflow',
  description: "Runs another saved workflow as a child execution; the output is the child's outputs.",
  configSchema: workflowConfigSchema,
  templateFields: ['inputs'],
  deps: { children: Tokens.ChildExecutions },
  create: ({ children }) => ({
    async execute(config: WorkflowNodeConfig, ctx: NodeRunContext): Promise<unknown> {
      const child = await children.start({
        parentExecutionId: ctx.executionId,
        parentNodeId: ctx.nodeId,
        // an inline map item: keyed by the map's attempt, the item and the item's attempt
        attempt: ctx.item ? ctx.item.holderAttempt : ctx.attempt,
        itemIndex: ctx.item?.index,
        itemAttempt: ctx.item ? ctx.attempt : undefined,
        workflowId: config.workflowId,
        version: config.version ?? 'latest',
        inputs: config.inputs ?? {},
        signal: ctx.signal,
      });
      ctx.logger.info(
        { childExecutionId: child.executionId, created: child.created },
        child.created ? 'child execution started' : 're-attached to the child execution',
      );
      // woken past the attempt's deadline (no timer left to end it): the child's end if it came, else a timeout
      const late = ctx.deadlineAt !== undefined && ctx.deadlineAt !== null && ctx.deadlineAt <= Date.now();
      const doc = late ? await child.ended() : ctx.canPark ? await child.endedOrParked() : await child.done;
      if (doc) return outcomeOf(doc, config, ctx);
      if (late) {
        const err = new TimeoutError(
          `node "${ctx.nodeId}" timed out (attempt ${ctx.attempt}): child execution ${child.executionId} had not ended by its deadline`,
          { code: ErrorCodes.WF_NODE_TIMEOUT, details: { childExecutionId: child.executionId } },
        );
        child.cancel(err.message);
        throw err;
      }
      ctx.logger.info({ childExecutionId: child.executionId }, 'parked on the child execution');
      // with a node timeout the wait ends at the attempt's deadline too
      return parkNode({ kind: 'child', childExecutionId: child.executionId, timeoutAt: ctx.deadlineAt ?? null });
    },
  }),
});

/** The node's output from the child's finished document, or its failure. */
function outcomeOf(doc: ExecutionDocument, config: WorkflowNodeConfig, ctx: NodeRunContext): unknown {
  if (doc.status === 'succeeded' || doc.status === 'partially_succeeded') return doc.outputs ?? {};
  // the parent's own cancel shows as the node's cancel, not as a child failure
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const code = doc.error?.code ?? ErrorCodes.WF_NODE_FAILED;
  throw new NodeExecutionError(
    `child execution ${doc.id} of workflow "${config.workflowId}" ended ${doc.status} (${code}): ${doc.error?.message ?? 'no error recorded'}`,
    { code: ErrorCodes.WF_CHILD_FAILED, details: { childExecutionId: doc.id, childStatus: doc.status, childErrorCode: code } },
  );
}
