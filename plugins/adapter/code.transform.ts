import { ErrorCodes, SandboxError, WeftError, type ValidationIssue } from '../../core/index';
import type { AdapterTransform } from './adapter-transform';

/**
 * `code`: runs `config.code` in the sandbox (isolated-vm) as the body of an async function of
 * `input` and `variables` (a deep-frozen copy); what it returns is the output (`undefined`
 * becomes `null`). Sandbox limits come from the node's `limits` and the global configuration.
 */
export const codeTransform: AdapterTransform = {
  name: 'code',
  fields: ['code'],
  required: ['code'],
  validate(config) {
    const issues: ValidationIssue[] = [];
    // The code is only ever compiled inside the sandbox, never here in the host.
    if (typeof config.code !== 'string' || config.code.trim() === '') {
      issues.push({
        path: 'config.code',
        message: 'must be the non-empty body of an async function of (input, variables)',
        code: ErrorCodes.WF_CONFIG_INVALID,
      });
    }
    return issues;
  },
  async run(input, { config, ctx, deps, fail }) {
    if (typeof config.code !== 'string' || config.code.trim() === '')
      return fail('code needs "code", the body of a function of (input, variables)');
    try {
      const result = await deps.sandbox.run({
        code: config.code,
        args: { input: input === undefined ? null : input, variables: ctx.scope.variables },
        limits: ctx.limits,
        signal: ctx.signal,
      });
      return result === undefined ? null : result;
    } catch (err) {
      // Keep the class and code (timeouts, memory, cancellation), add the node to the message.
      if (err instanceof SandboxError)
        throw new SandboxError(`adapter node "${ctx.nodeId}": ${err.message}`, { code: err.code, details: err.details, cause: err });
      if (err instanceof WeftError) throw err;
      throw new SandboxError(`adapter node "${ctx.nodeId}": ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
  },
};
