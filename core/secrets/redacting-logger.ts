import type { Logger } from '../services/logger';
import type { SecretRedactor } from './secret-redactor';

/**
 * A logger whose lines pass through a {@link SecretRedactor} (message, fields, and errors' message
 * and stack, which a logger would otherwise serialise from the Error object itself).
 */
export class RedactingLogger implements Logger {
  constructor(
    private readonly inner: Logger,
    private readonly redactor: SecretRedactor,
  ) {}

  debug(obj: object | string, msg?: string): void {
    this.write('debug', obj, msg);
  }
  info(obj: object | string, msg?: string): void {
    this.write('info', obj, msg);
  }
  warn(obj: object | string, msg?: string): void {
    this.write('warn', obj, msg);
  }
  error(obj: object | string, msg?: string): void {
    this.write('error', obj, msg);
  }

  child(bindings: Record<string, unknown>): Logger {
    return new RedactingLogger(this.inner.child(this.redactor.redact(bindings)), this.redactor);
  }

  private write(level: 'debug' | 'info' | 'warn' | 'error', obj: object | string, msg?: string): void {
    if (!this.redactor.active) return msg === undefined ? this.inner[level](obj) : this.inner[level](obj, msg);
    const o = typeof obj === 'string' ? this.redactor.redactText(obj) : this.redactor.redact(plainErrors(obj));
    if (msg === undefined) this.inner[level](o);
    else this.inner[level](o, this.redactor.redactText(msg));
  }
}

/** Errors among the fields become plain objects (type, message, stack, code), which the redactor can walk. */
function plainErrors(obj: object): object {
  if (obj instanceof Error) return errorFields(obj);
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(obj)) {
    if (v instanceof Error) (out ??= { ...obj })[k] = errorFields(v);
  }
  return out ?? obj;
}

function errorFields(e: Error): Record<string, unknown> {
  const code = (e as { code?: unknown }).code;
  return { type: e.name, message: e.message, stack: e.stack, ...(code !== undefined ? { code } : {}) };
}
