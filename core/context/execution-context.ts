import type { TemplateScope } from '../plugin/node-type';
import { deepFreeze } from './deep-freeze';
import type { NodeOutputRef } from '../model/node-output-ref';

/** An output the store keeps apart: in memory only while some reader holds it ({@link ExecutionContext.acquire}). */
interface KeptEntry {
  ref: NodeOutputRef;
  load: () => Promise<unknown>;
  error?: unknown;
  users: number;
  loading: Promise<void> | null;
}

/**
 * One execution's context: variables (workflow variables overridden by inputs), inputs, and the
 * node results stored so far. Stored outputs are deep-frozen: no node can change another's output.
 * Each execution has its own; it is released when the execution ends.
 */
export class ExecutionContext {
  readonly scope: TemplateScope;
  private readonly nodes: Record<string, { output?: unknown; error?: unknown }>;
  private readonly kept = new Map<string, KeptEntry>();

  constructor(
    variables: Record<string, unknown> | undefined,
    inputs: Record<string, unknown>,
    execution: { id: string; startedAt: string },
  ) {
    const frozenInputs = deepFreeze(cloneJson(inputs));
    this.nodes = Object.create(null);
    this.scope = Object.freeze({
      variables: deepFreeze({ ...cloneJson(variables ?? {}), ...frozenInputs }),
      inputs: frozenInputs,
      // nodes read the scope; none may add, replace or delete another node's entry
      nodes: new Proxy(this.nodes, READ_ONLY) as TemplateScope['nodes'],
      execution: Object.freeze({ ...execution }),
    });
  }

  /** Stores a node's output (freezing it); a node's entry is written once. */
  setOutput(nodeId: string, output: unknown): void {
    this.kept.delete(nodeId);
    this.nodes[nodeId] = Object.freeze({ output: deepFreeze(output) });
  }

  /** Stores a node's error (`nodes.<id>.error`), keeping an output that stood in for it (fallback). */
  setError(nodeId: string, error: unknown, output?: unknown): void {
    this.kept.delete(nodeId);
    const entry: { output?: unknown; error: unknown } = { error: deepFreeze(error) };
    if (output !== undefined) entry.output = deepFreeze(output);
    this.nodes[nodeId] = Object.freeze(entry);
  }

  /**
   * Stores a node's output that the store kept apart (large payloads): until a reader
   * {@link acquire}s it, `nodes.<id>.output` is its `{ $ref, bytes }`, and nothing of it is in memory.
   * With `error`, the output stood in for a failed node (its fallback's).
   */
  setKeptOutput(nodeId: string, ref: NodeOutputRef, load: () => Promise<unknown>, error?: unknown): void {
    const entry: KeptEntry = { ref: Object.freeze({ ...ref }), load, users: 0, loading: null };
    if (error !== undefined) entry.error = deepFreeze(error);
    this.kept.set(nodeId, entry);
    this.nodes[nodeId] = this.entryOf(entry, entry.ref);
  }

  /** Whether any output is kept apart: when none is, a node has nothing to load before it runs. */
  get hasKeptOutputs(): boolean {
    return this.kept.size > 0;
  }

  /** The kept outputs among `nodeIds`' candidates: those whose id `mentions` returns true for. */
  keptIds(mentions: (nodeId: string) => boolean): string[] {
    const out: string[] = [];
    for (const id of this.kept.keys()) if (mentions(id)) out.push(id);
    return out;
  }

  /**
   * Loads the kept outputs of `nodeIds` (those not kept are ignored) and holds them in memory
   * until {@link releaseKept}: every reader between the two sees the whole output.
   */
  async acquire(nodeIds: readonly string[]): Promise<string[]> {
    const held: string[] = [];
    for (const id of nodeIds) {
      const entry = this.kept.get(id);
      if (!entry) continue;
      entry.users++;
      held.push(id);
      if (entry.users === 1 && !entry.loading) {
        entry.loading = entry.load().then((value) => {
          // released (or the context released) while it loaded: keep nothing
          if (entry.users > 0 && this.kept.get(id) === entry) this.nodes[id] = this.entryOf(entry, deepFreeze(value));
        });
        entry.loading.finally(() => (entry.loading = null)).catch(() => undefined);
      }
    }
    try {
      await Promise.all(held.flatMap((id) => this.kept.get(id)?.loading ?? []));
    } catch (err) {
      this.releaseKept(held);
      throw err;
    }
    return held;
  }

  /** Lets go of what {@link acquire} loaded: an output no reader holds leaves memory again. */
  releaseKept(nodeIds: readonly string[]): void {
    for (const id of nodeIds) {
      const entry = this.kept.get(id);
      if (!entry || entry.users === 0) continue;
      if (--entry.users === 0) this.nodes[id] = this.entryOf(entry, entry.ref);
    }
  }

  private entryOf(entry: KeptEntry, output: unknown): { output: unknown; error?: unknown } {
    return Object.freeze(entry.error !== undefined ? { error: entry.error, output } : { output });
  }

  /**
   * Drops the stored node results once the execution has ended (its document holds them): a
   * handle or a node that outlives the execution keeps nothing alive, and reads find nothing.
   */
  release(): void {
    for (const id of Object.keys(this.nodes)) delete this.nodes[id];
    this.kept.clear();
  }

  hasOutput(nodeId: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.nodes, nodeId) && 'output' in this.nodes[nodeId]!;
  }

  getOutput(nodeId: string): unknown {
    return this.nodes[nodeId]?.output;
  }
}

const refuse = () => false;
const READ_ONLY: ProxyHandler<object> = { set: refuse, defineProperty: refuse, deleteProperty: refuse, setPrototypeOf: refuse };

function cloneJson<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}
