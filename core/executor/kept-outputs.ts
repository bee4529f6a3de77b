import type { PlannedNode } from '../dag/execution-plan';
import type { ExecutionContext } from '../context/execution-context';
import type { NodeExecutionRecord } from '../model/execution-document';
import { isNodeOutputRef, nodeOutputRef, type NodeOutputRef } from '../model/node-output-ref';
import type { ExecutionStore } from '../store/execution-store';
import { NodeExecutionError } from '../errors/weft-error';
import { ErrorCodes } from '../errors/error-codes';

/**
 * Large payloads in a running execution: an output the store keeps apart leaves memory once it
 * is recorded (the node's record and context entry hold its `{ $ref, bytes }`), and is loaded
 * again only for the node whose config or inputs may read it, for as long as that node runs.
 */
export class KeptOutputs {
  /** Each node's definition as text: an id it mentions may be read by a template or an expression. */
  private readonly texts = new WeakMap<PlannedNode, string>();

  constructor(
    private readonly store: ExecutionStore,
    private readonly executionId: string,
    private readonly context: ExecutionContext,
  ) {}

  /** Call right after `nodeFinished(rec)`: the reference when the store kept its output apart. */
  take(rec: NodeExecutionRecord): NodeOutputRef | null {
    if (rec.status !== 'succeeded' || !this.store.takeOutputRef) return null;
    return this.store.takeOutputRef(this.executionId, rec.nodeId);
  }

  /** A node's output read back from the store once `recorded` settled (it is not there before). */
  loader(nodeId: string, recorded: Promise<unknown> = Promise.resolve()): () => Promise<unknown> {
    return async () => {
      await recorded;
      const text = this.store.readNodeOutput ? await this.store.readNodeOutput(this.executionId, nodeId) : null;
      if (text === null)
        throw new NodeExecutionError(`the output of node "${nodeId}" is not in the store`, { code: ErrorCodes.WF_NODE_FAILED });
      return JSON.parse(text) as unknown;
    };
  }

  /**
   * A recorded result an earlier run left (resume) or a re-run copied: when its output is a
   * reference, the record names this execution's copy, and the context loads it on demand.
   * Returns the record to keep, and whether the context entry was set.
   */
  adopt(contextId: string, rec: NodeExecutionRecord, error?: unknown): { record: NodeExecutionRecord; kept: boolean } {
    if (!isNodeOutputRef(rec.output) || !this.store.readNodeOutput) return { record: rec, kept: false };
    const ref = nodeOutputRef(this.executionId, rec.nodeId, rec.output.bytes);
    this.context.setKeptOutput(contextId, ref, this.loader(rec.nodeId), error);
    return { record: { ...rec, output: ref }, kept: true };
  }

  /** Loads what `node` may read (kept outputs of its upstream nodes and of nodes its definition names); release with the context. */
  acquireFor(node: PlannedNode, upstreamIds: readonly string[]): Promise<string[]> {
    let text = this.texts.get(node);
    if (text === undefined) this.texts.set(node, (text = JSON.stringify(node.definition)));
    const t = text;
    // templates and expressions name another node as `nodes.<id>` (or `nodes["<id>"]`); a false match only loads more
    const mentions = (id: string) => t.includes(`nodes.${id}`) || (t.includes('nodes[') && t.includes(id));
    return this.context.acquire(this.context.keptIds((id) => upstreamIds.includes(id) || mentions(id)));
  }
}
