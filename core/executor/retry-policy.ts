import type { RetryConfig } from '../model/workflow-definition';

/** DESIGN.md defaults for every optional `retry` field. */
export const RETRY_DEFAULTS = {
  maxAttempts: 3,
  initialDelayMs: 200,
  multiplier: 2,
  maxDelayMs: 30_000,
  jitter: false,
} as const;

/** A node's retry policy with defaults filled in. */
export interface RetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  multiplier: number;
  maxDelayMs: number;
  jitter: boolean;
  /** Error type names to retry; null means "the errors marked retryable". */
  retryOn: ReadonlySet<string> | null;
}

export function resolveRetryPolicy(config: RetryConfig | undefined): RetryPolicy | null {
  if (!config) return null;
  return {
    maxAttempts: config.maxAttempts ?? RETRY_DEFAULTS.maxAttempts,
    initialDelayMs: config.initialDelayMs ?? RETRY_DEFAULTS.initialDelayMs,
    multiplier: config.multiplier ?? RETRY_DEFAULTS.multiplier,
    maxDelayMs: config.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs,
    jitter: config.jitter ?? RETRY_DEFAULTS.jitter,
    retryOn: config.retryOn ? new Set(config.retryOn) : null,
  };
}

/** What the policy needs to know about an error. */
export interface RetryableError {
  type: string;
  retryable: boolean;
  retryAfterMs?: number;
}

/** Whether attempt `attempt` (1-based) failing with `err` gets another attempt. */
export function shouldRetry(policy: RetryPolicy | null, attempt: number, err: RetryableError): boolean {
  if (!policy || attempt >= policy.maxAttempts) return false;
  return policy.retryOn ? policy.retryOn.has(err.type) : err.retryable;
}

/**
 * Delay before attempt `attempt + 1`: `min(maxDelayMs, initialDelayMs * multiplier^(attempt-1))`,
 * with full jitter (uniform in [0, delay]) when enabled; a `Retry-After` replaces it, still capped.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(policy.maxDelayMs, retryAfterMs);
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * Math.pow(policy.multiplier, attempt - 1));
  return policy.jitter ? Math.floor(random() * (base + 1)) : base;
}
