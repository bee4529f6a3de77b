import { ErrorCodes } from './error-codes';

/** Options shared by every weft error. */
export interface WeftErrorOptions {
  /** One of {@link ErrorCodes}, or a plugin's own code. */
  code?: string;
  details?: unknown;
  cause?: unknown;
  /** Milliseconds the failing party asked us to wait before retrying (e.g. `Retry-After`). */
  retryAfterMs?: number;
}

/**
 * The one error base class. `type` is the class name users see (`TransientError`, ...),
 * `code` a stable machine code from {@link ErrorCodes}, `retryable` what the default retry
 * policy looks at.
 */
export class WeftError extends Error {
  readonly code: string;
  readonly details?: unknown;
  readonly retryAfterMs?: number;
  /** Class name, kept explicitly so it survives minification and serialisation. */
  get type(): string {
    return this.constructor.name;
  }
  get retryable(): boolean {
    return false;
  }
  constructor(message: string, options: WeftErrorOptions = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = this.constructor.name;
    this.code = options.code ?? ErrorCodes.WF_INTERNAL;
    if (options.details !== undefined) this.details = options.details;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** Invalid input: a workflow, a request, a configuration. `details` lists the problems. */
export class ValidationError extends WeftError {
  constructor(message: string, options: WeftErrorOptions = {}) {
    super(message, { code: ErrorCodes.WF_VALIDATION, ...options });
  }
}

export class NotFoundError extends WeftError {
  constructor(message: string, options: WeftErrorOptions = {}) {
    super(message, { code: ErrorCodes.WF_NOT_FOUND, ...options });
  }
}

export class ConflictError extends WeftError {
  constructor(message: string, options: WeftErrorOptions = {}) {
    super(message, { code: ErrorCodes.WF_CONFLICT, ...options });
  }
}

export class UnauthorizedError extends WeftError {
  constructor(message = 'missing or invalid API key', options: WeftErrorOptions = {}) {
    super(message, { code: ErrorCodes.WF_UNAUTHORIZED, ...options });
  }
}

export class ForbiddenError extends WeftError {
  constructor(message: string, options: WeftErrorOptions = {}) {
    super(message, { code: ErrorCodes.WF_FORBIDDEN, ...options });
  }
}

/** A failure worth retrying: 5xx, 429, network errors. */
export class TransientError extends WeftError {
  override get retryable(): boolean {
    return true;
  }
  constructor(message: string, options: WeftErrorOptions = {}) {
    super(message, { code: ErrorCodes.WF_TRANSIENT, ...options });
  }
}

/** A node or workflow ran out of time. Retryable for nodes. */
export class TimeoutError extends WeftError {
  override get retryable(): boolean {
    return true;
  }
  constructor(message: string, options: WeftErrorOptions = {}) {
    super(message, { code: ErrorCodes.WF_TIMEOUT, ...options });
  }
}

export class CancelledError extends WeftError {
  constructor(message = 'cancelled', options: WeftErrorOptions = {}) {
    super(message, { code: ErrorCodes.WF_CANCELLED, ...options });
  }
}

/** User code broke a sandbox limit or threw inside the sandbox. */
export class SandboxError extends WeftError {
  constructor(message: string, options: WeftErrorOptions = {}) {
    super(message, { code: ErrorCodes.WF_SANDBOX, ...options });
  }
}

export class ExpressionError extends WeftError {
  constructor(message: string, options: WeftErrorOptions = {}) {
    super(message, { code: ErrorCodes.WF_EXPRESSION, ...options });
  }
}

export class TemplateError extends WeftError {
  constructor(message: string, options: WeftErrorOptions = {}) {
    super(message, { code: ErrorCodes.WF_TEMPLATE, ...options });
  }
}

/** A node failed for a reason that retrying will not fix. */
export class NodeExecutionError extends WeftError {
  constructor(message: string, options: WeftErrorOptions = {}) {
    super(message, { code: ErrorCodes.WF_NODE_FAILED, ...options });
  }
}

/** Errors of the store and the database. */
export class PersistenceError extends WeftError {
  constructor(message: string, options: WeftErrorOptions = {}) {
    super(message, { code: ErrorCodes.WF_PERSISTENCE, ...options });
  }
}

/** Startup problems: plugins, configuration. */
export class ConfigurationError extends WeftError {
  constructor(message: string, options: WeftErrorOptions = {}) {
    super(message, { code: ErrorCodes.WF_SETTINGS, ...options });
  }
}

/** Every class above by its `type`, for rebuilding serialised errors. */
export const ErrorClasses = {
  WeftError,
  ValidationError,
  NotFoundError,
  ConflictError,
  UnauthorizedError,
  ForbiddenError,
  TransientError,
  TimeoutError,
  CancelledError,
  SandboxError,
  ExpressionError,
  TemplateError,
  NodeExecutionError,
  PersistenceError,
  ConfigurationError,
} as const;
