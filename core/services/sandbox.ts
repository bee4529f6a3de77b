import type { NodeLimits } from '../model/workflow-definition';

/** Effective limits of one sandbox run (defaults filled in). */
export interface SandboxLimits {
  cpuMs: number;
  wallMs: number;
  memoryMb: number;
  outputBytes: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = {
  cpuMs: 1000,
  wallMs: 5000,
  memoryMb: 128,
  outputBytes: 16 * 1024 * 1024,
};

export interface SandboxRunRequest {
  /** Body of an async function; it sees the named `args` as parameters. */
  code: string;
  /** Copied into the run as JSON; each key becomes a parameter of the function. */
  args: Record<string, unknown>;
  limits?: NodeLimits;
  signal?: AbortSignal;
}

/**
 * Runs untrusted JavaScript with copies in and out. Breaches reject with `SandboxError`.
 * Implemented in runtime with isolated-vm.
 */
export interface Sandbox {
  run(request: SandboxRunRequest): Promise<unknown>;
  dispose(): Promise<void>;
}
