import type { TemplateScope } from '../plugin/node-type';
import { deepFreeze } from './deep-freeze';

/**
 * One execution's context: variables (workflow variables overridden by inputs), inputs, and the
 * node results stored so far. Stored outputs are deep-frozen: no node can change another's output.
 * Each execution has its own; it is released when the execution ends.
 */
export class ExecutionContext {
  readonly scope: TemplateScope;
  private readonly nodes: Record<string, { output?: unknown; error?: unknown }>;

  constructor(variables: Record<string, unknown> | undefined, inputs: Record<string, unknown>, execution: { id: string; startedAt: string }) {
    const frozenInputs = deepFreeze(cloneJson(inputs));
    this.nodes = Object.create(null);
    this.scope = Object.freeze({
      variables: deepFreeze({ ...cloneJson(variables ?? {}), ...frozenInputs }),
      inputs: frozenInputs,
      // nodes read the scope; none may add, replace or delete another node's entry
      nodes: new Proxy(this.nodes, READ_ONLY) as TemplateScope["nodes"],
      execution: Object.freeze({ ...execution }),
    });
  }

  /** Stores a node's output (freezing it); a node's entry is written once. */
  setOutput(nodeId: string, output: unknown): void {
    this.nodes[nodeId] = Object.freeze({ output: deepFreeze(output) });
  }

  /** Stores a node's error (`nodes.<id>.error`), keeping an output that stood in for it (fallback). */
  setError(nodeId: string, error: unknown, output?: unknown): void {
    const entry: { output?: unknown; error: unknown } = { error: deepFreeze(error) };
    if (output !== undefined) entry.output = deepFreeze(output);
    this.nodes[nodeId] = Object.freeze(entry);
  }

  /**
   * Drops the stored node results once the execution has ended (its document holds them): a
   * handle or a node that outlives the execution keeps nothing alive, and reads find nothing.
   */
  release(): void {
    for (const id of Object.keys(this.nodes)) delete this.nodes[id];
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
