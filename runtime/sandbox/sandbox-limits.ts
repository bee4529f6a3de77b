import { SandboxError } from '../../core/errors/weft-error';
import { ErrorCodes } from '../../core/errors/error-codes';
import type { SandboxLimits } from '../../core/services/sandbox';
import type { NodeLimits } from '../../core/model/workflow-definition';

/** isolated-vm refuses memory limits below 8 MB. */
const MIN_MEMORY_MB = 8;

/** Fills a run's limits from the sandbox defaults; only the fields a node set override them. */
export function resolveLimits(defaults: SandboxLimits, overrides?: NodeLimits): SandboxLimits {
  const out: SandboxLimits = { ...defaults };
  for (const key of ['cpuMs', 'wallMs', 'memoryMb', 'outputBytes'] as const) {
    const value = overrides?.[key];
    if (value !== undefined) out[key] = value;
  }
  for (const key of ['cpuMs', 'wallMs', 'memoryMb', 'outputBytes'] as const) {
    const value = out[key];
    if (!Number.isInteger(value) || value < 1) {
      throw new SandboxError(`sandbox limit ${key} must be a positive integer, got ${String(value)}`, {
        details: { limit: key, value },
      });
    }
  }
  if (out.memoryMb < MIN_MEMORY_MB) {
    throw new SandboxError(`sandbox limit memoryMb must be at least ${MIN_MEMORY_MB}, got ${out.memoryMb}`, {
      details: { limit: 'memoryMb', value: out.memoryMb },
    });
  }
  return out;
}

/** Which limit a run broke. */
export type LimitKind = 'cpu' | 'wall' | 'memory' | 'output';

/** The `SandboxError` for a breached limit; the message names the limit and its value. */
export function limitError(kind: LimitKind, limits: SandboxLimits, observed?: number): SandboxError {
  switch (kind) {
    case 'cpu':
      return new SandboxError(`sandbox CPU time limit of ${limits.cpuMs} ms exceeded`, {
        code: ErrorCodes.WF_SANDBOX_TIMEOUT,
        details: { limit: 'cpuMs', value: limits.cpuMs },
      });
    case 'wall':
      return new SandboxError(
        `sandbox wall-clock limit of ${limits.wallMs} ms exceeded (the code did not finish; a promise that never settles ends here)`,
        { code: ErrorCodes.WF_SANDBOX_TIMEOUT, details: { limit: 'wallMs', value: limits.wallMs } },
      );
    case 'memory':
      return new SandboxError(`sandbox memory limit of ${limits.memoryMb} MB exceeded`, {
        code: ErrorCodes.WF_SANDBOX_MEMORY,
        details: { limit: 'memoryMb', value: limits.memoryMb },
      });
    case 'output':
      return new SandboxError(
        `sandbox output of ${observed === undefined ? 'more' : `at least ${observed}`} bytes exceeds the output limit of ${limits.outputBytes} bytes`,
        { code: ErrorCodes.WF_SANDBOX_OUTPUT, details: { limit: 'outputBytes', value: limits.outputBytes, observed } },
      );
  }
}
