import {
  defineNodeType,
  ErrorCodes,
  MAX_WAIT_MS,
  NodeExecutionError,
  parkNode,
  Tokens,
  type Clock,
  type ValidationIssue,
} from '../../core/index';
import { waitConfigSchema, type WaitConfig } from './wait-config.schema';

const MODES = ['durationMs', 'until', 'signal'] as const;
const MAX_DAYS = MAX_WAIT_MS / 86_400_000;
/** ISO 8601 date-time with an explicit zone (`Z` or `±hh:mm`), so an instant never depends on the server's zone. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * The `wait` node type: parks the node on a durable timer (`durationMs`, `until`) or a signal
 * (`signal`, optional `timeoutMs`). It holds nothing while it waits: `execute` only says what to
 * wait for, and the node's output is recorded by whichever process wakes it
 * (timer `{ firedAt }`, signal `{ signal, payload, receivedAt }`).
 */
export const waitNodeType = defineNodeType<WaitConfig, { clock: Clock }>({
  type: 'wait',
  description: 'wait for a time or a signal without holding anything',
  configSchema: waitConfigSchema,
  templateFields: ['until'],
  parks: true,
  deps: { clock: Tokens.Clock },
  create: ({ clock }) => ({
    validate(config) {
      const issues: ValidationIssue[] = [];
      const given = MODES.filter((m) => config[m] !== undefined);
      if (given.length !== 1) {
        const message = given.length
          ? `give only one of durationMs, until and signal (got ${given.join(', ')})`
          : 'give one of durationMs, until and signal';
        issues.push({ path: 'config', message, code: 'schema' });
      }
      if (config.timeoutMs !== undefined && config.signal === undefined) {
        issues.push({ path: 'config.timeoutMs', message: 'timeoutMs applies to signal waits only', code: 'schema' });
      }
      if (config.durationMs !== undefined && config.durationMs > MAX_WAIT_MS) {
        issues.push({ path: 'config.durationMs', message: tooFar(`${config.durationMs} ms`), code: ErrorCodes.WF_WAIT_TOO_LONG });
      }
      if (config.timeoutMs !== undefined && config.timeoutMs > MAX_WAIT_MS) {
        issues.push({ path: 'config.timeoutMs', message: tooFar(`${config.timeoutMs} ms`), code: ErrorCodes.WF_WAIT_TOO_LONG });
      }
      if (typeof config.until === 'string' && !config.until.includes('{{')) {
        const problem = untilProblem(config.until, clock.now());
        if (problem)
          issues.push({ path: 'config.until', message: problem, code: problem.includes('366') ? ErrorCodes.WF_WAIT_TOO_LONG : 'schema' });
      }
      return issues;
    },
    signals(config) {
      return typeof config.signal === 'string' ? [config.signal] : [];
    },
    async execute(config) {
      const now = clock.now();
      if (config.signal !== undefined) {
        const timeoutAt = config.timeoutMs === undefined ? null : now + config.timeoutMs;
        return parkNode({ kind: 'signal', signal: config.signal, timeoutAt });
      }
      if (config.durationMs !== undefined) return parkNode({ kind: 'timer', dueAt: now + config.durationMs });
      const until = config.until as unknown;
      if (typeof until !== 'string')
        throw new NodeExecutionError(`until must render to an ISO 8601 string (got ${until === null ? 'null' : typeof until})`);
      const problem = untilProblem(until, now);
      if (problem)
        throw new NodeExecutionError(problem, { code: problem.includes('366') ? ErrorCodes.WF_WAIT_TOO_LONG : ErrorCodes.WF_NODE_FAILED });
      return parkNode({ kind: 'timer', dueAt: Date.parse(until) });
    },
  }),
});

function tooFar(what: string): string {
  return `a wait ends at most ${MAX_DAYS} days ahead; ${what} is beyond that`;
}

/** What is wrong with an `until` value (null: nothing). An instant in the past is fine: it fires at once. */
function untilProblem(until: string, nowMs: number): string | null {
  const at = Date.parse(until);
  if (!ISO_INSTANT.test(until) || Number.isNaN(at))
    return `until "${until.slice(0, 60)}" is not an ISO 8601 date-time with a time zone (e.g. 2026-12-24T18:00:00Z)`;
  if (at - nowMs > MAX_WAIT_MS) return tooFar(`until ${until}`);
  return null;
}
