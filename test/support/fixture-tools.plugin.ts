import { definePlugin, ExtensionPoints, type NodeRunContext, type ToolDefinition, type WeftPlugin } from '../../core';
import { NodeExecutionError, TimeoutError, TransientError } from '../../core/errors/weft-error';

/**
 * Tools the workflow fixtures (test/fixtures/workflows) use for what the built-in tools cannot
 * do deterministically: fail a given number of attempts, hold until cancelled (and tell the
 * runner it is holding, so the runner cancels on that event rather than after a sleep), ignore
 * the abort signal, and try to change their input.
 */
export interface FixtureTools {
  plugin: WeftPlugin;
  /** Executions (by id) with a node currently in `test.hold`, and which nodes. */
  holding: Map<string, Set<string>>;
}

const ERRORS = { TransientError, TimeoutError, NodeExecutionError } as const;

interface FailInput {
  error: keyof typeof ERRORS;
  message: string;
  /** Attempts that fail before one succeeds; absent: every attempt fails. */
  times?: number;
  value?: unknown;
}

export function createFixtureTools(): FixtureTools {
  const holding = new Map<string, Set<string>>();
  const anything = {};
  const fail: ToolDefinition<FailInput> = {
    name: 'test.fail',
    description: 'Throws the named error (message includes the attempt) for the first `times` attempts, then returns `value`.',
    inputSchema: {
      type: 'object',
      required: ['error', 'message'],
      properties: { error: { enum: Object.keys(ERRORS) }, message: { type: 'string' }, times: { type: 'integer', minimum: 0 }, value: {} },
      additionalProperties: false,
    },
    outputSchema: anything,
    async execute(input, ctx) {
      if (input.times === undefined || ctx.attempt <= input.times) {
        throw new ERRORS[input.error](`${input.message} (attempt ${ctx.attempt})`);
      }
      return input.value ?? null;
    },
  };
  const hold: ToolDefinition<{ value?: unknown }> = {
    name: 'test.hold',
    description: 'Waits until its signal aborts (node timeout, workflow timeout, cancellation), then rejects with the reason.',
    inputSchema: { type: 'object', properties: { value: {} }, additionalProperties: false },
    outputSchema: anything,
    execute: (_input, ctx) => holdUntilAborted(ctx, holding),
  };
  const ignoreSignal: ToolDefinition = {
    name: 'test.ignoreSignal',
    description: 'Never settles and never looks at its signal (no timer either, so it holds no handle).',
    inputSchema: { type: 'object' },
    outputSchema: anything,
    execute: (_input, ctx) => {
      mark(holding, ctx);
      return new Promise(() => undefined);
    },
  };
  const mutate: ToolDefinition = {
    name: 'test.mutate',
    description: 'Tries to change its (templated) input in place and reports whether it could.',
    inputSchema: { type: 'object' },
    outputSchema: anything,
    async execute(input: Record<string, unknown>) {
      try {
        input.changed = true;
        (input.list as unknown[]).push('added');
        return { mutated: true };
      } catch (err) {
        return { mutated: false, error: (err as Error).name };
      }
    },
  };
  const plugin = definePlugin({
    id: 'test.fixtures',
    version: '1.0.0',
    dependsOn: ['weft.tool'],
    register(reg) {
      for (const tool of [fail, hold, ignoreSignal, mutate]) reg.contribute(ExtensionPoints.Tools, tool);
    },
  });
  return { plugin, holding };
}

function mark(holding: Map<string, Set<string>>, ctx: NodeRunContext): void {
  const nodes = holding.get(ctx.executionId) ?? new Set<string>();
  nodes.add(ctx.nodeId);
  holding.set(ctx.executionId, nodes);
}

function holdUntilAborted(ctx: NodeRunContext, holding: Map<string, Set<string>>): Promise<never> {
  mark(holding, ctx);
  return new Promise((_resolve, reject) => {
    const done = () => {
      holding.get(ctx.executionId)?.delete(ctx.nodeId);
      reject(ctx.signal.reason);
    };
    if (ctx.signal.aborted) done();
    else ctx.signal.addEventListener('abort', done, { once: true });
  });
}
