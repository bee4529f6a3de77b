import { NodeExecutionError } from '../errors/weft-error';
import { ErrorCodes } from '../errors/error-codes';
import type { TemplateScope } from '../plugin/node-type';
import type { Logger } from '../services/logger';
import { RedactingLogger } from './redacting-logger';
import { SecretRedactor } from './secret-redactor';
import type { SecretStore } from './secret-store';

/**
 * One execution's secrets: it reads the values a node's templates name when the node starts (so a
 * rotated value applies to nodes that start after the change), and redacts every value it has
 * read from whatever the execution records, publishes or logs.
 */
export class ExecutionSecrets {
  readonly redactor = new SecretRedactor();
  private readonly tokenStreams = new Map<string, ReturnType<SecretRedactor['stream']>>();

  constructor(private readonly store: SecretStore | null) {}

  /** Reads `names` (each must exist: `WF_SECRET_NOT_FOUND`, not retryable) and redacts their values from now on. */
  async load(names: readonly string[]): Promise<Record<string, string>> {
    const values: Record<string, string> = Object.create(null);
    for (const name of names) {
      const value = this.store ? await this.store.get(name) : null;
      if (value === null) {
        throw new NodeExecutionError(
          `secret "${name}" not found (create it with PUT /api/v1/secrets/${name} or "weft secrets set ${name}")`,
          {
            code: ErrorCodes.WF_SECRET_NOT_FOUND,
            details: { secret: name },
          },
        );
      }
      this.redactor.add(name, value);
      values[name] = value;
    }
    return values;
  }

  /**
   * The scope a node's templated fields render with: the execution's plus `secrets`. Only the
   * rendering sees it; the node's own context keeps the scope without secrets, so code in the
   * sandbox never reads one that a templated field did not pass in.
   */
  async renderScope(names: readonly string[], scope: TemplateScope): Promise<TemplateScope> {
    if (names.length === 0) return scope;
    return Object.freeze({ ...scope, secrets: Object.freeze(await this.load(names)) });
  }

  redact<T>(value: T): T {
    return this.redactor.redact(value);
  }

  logger(base: Logger): Logger {
    return new RedactingLogger(base, this.redactor);
  }

  /** A streamed token of `key` (node and attempt), redacted; a value split across tokens is held back until whole. */
  token(key: string, text: string): string {
    if (!this.redactor.active && !this.tokenStreams.has(key)) return text;
    let s = this.tokenStreams.get(key);
    if (!s) this.tokenStreams.set(key, (s = this.redactor.stream()));
    return s.push(text);
  }

  /** What `key`'s stream still holds (its last characters), redacted; '' when nothing. */
  endTokens(key: string): string {
    const s = this.tokenStreams.get(key);
    if (!s) return '';
    this.tokenStreams.delete(key);
    return s.end();
  }
}
