import { SandboxError } from '../../core/errors/weft-error';
import { ErrorCodes } from '../../core/errors/error-codes';
import type { SandboxLimits } from '../../core/services/sandbox';
import { limitError } from './sandbox-limits';

/** What one run produced, decoded from the runner's answer (see `sandbox-runner.source.ts`). */
export type DecodedResult =
  | { ok: true; value: unknown }
  /** `breach`: a limit was broken, so the isolate is disposed rather than reused. */
  | { ok: false; error: SandboxError; breach: boolean };

const SEPARATOR = '\u0001';
/** The first letters of the runner's non-result answers; JSON text never starts with one of them. */
const TAGS = new Set(['U', 'O', 'E', 'C', 'S']);

/** Decodes the runner's string answer; everything the isolate said is treated as untrusted text. */
export function decodeRunnerResult(raw: unknown, limits: SandboxLimits): DecodedResult {
  if (typeof raw !== 'string' || raw.length === 0) {
    return { ok: false, breach: true, error: new SandboxError('the sandbox returned an unexpected value') };
  }
  const tag = raw[0]!;
  if (!TAGS.has(tag)) return decodeJson(raw, limits);
  if (tag === 'U') return { ok: true, value: null };
  if (tag === 'O') {
    return { ok: false, breach: true, error: limitError('output', limits, Number(raw.slice(1)) || undefined) };
  }
  return decodeError(tag, raw.slice(1), limits);
}

/** The result's JSON text. */
function decodeJson(body: string, limits: SandboxLimits): DecodedResult {
  // The isolate checked code units; a code unit is at most 3 UTF-8 bytes, so only a body that
  // could exceed the cap has its exact UTF-8 size counted.
  if (body.length * 3 > limits.outputBytes) {
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > limits.outputBytes) return { ok: false, breach: true, error: limitError('output', limits, bytes) };
  }
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false, breach: true, error: new SandboxError('the sandbox returned a result that is not JSON') };
  }
}

function decodeError(tag: string, body: string, limits: SandboxLimits): DecodedResult {
  // a malformed answer can have fewer parts: each missing one reads as empty text
  const [name = '', message = '', stack = ''] = body.split(SEPARATOR).map(parseText);
  const label = name || 'Error';
  // An ArrayBuffer over the isolate's budget fails as a RangeError inside the isolate.
  if (label === 'RangeError' && message === 'Array buffer allocation failed') {
    return { ok: false, breach: true, error: limitError('memory', limits) };
  }
  const prefix = tag === 'C' ? 'the code does not compile: ' : tag === 'S' ? 'the result is not JSON-serialisable: ' : '';
  const error = new SandboxError(`${prefix}${label}: ${message}`, {
    code: ErrorCodes.WF_SANDBOX,
    details: { name: label, message, phase: tag === 'C' ? 'compile' : tag === 'S' ? 'serialise' : 'run' },
  });
  // Only frames from inside the isolate: the host's own stack says nothing useful to the user.
  error.stack = `SandboxError: ${error.message}${userFrames(stack)}`;
  return { ok: false, breach: false, error };
}

function parseText(part: string | undefined): string {
  if (part === undefined) return '';
  try {
    const value: unknown = JSON.parse(part);
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}

function userFrames(stack: string): string {
  const frames = stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, 20);
  return frames.length ? `\n${frames.join('\n')}` : '\n    at <sandbox>';
}
