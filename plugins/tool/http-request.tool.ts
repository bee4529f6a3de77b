import {
  ErrorCodes,
  NodeExecutionError,
  TimeoutError,
  TransientError,
  WeftError,
  type NodeRunContext,
  type ToolDefinition,
} from '../../core';
import { decodeText, isJsonContentType, readBody } from './http-body-reader';
import { parseRetryAfter } from './retry-after';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
/** How much of an error response's body is kept in the error's details. */
const ERROR_BODY_SNIPPET_BYTES = 2048;

/** Input of `http.request`. */
export interface HttpRequestInput {
  url: string;
  method?: (typeof METHODS)[number];
  headers?: Record<string, string | number | boolean>;
  /** Sent as is when a string, JSON-encoded otherwise. */
  body?: unknown;
  timeoutMs?: number;
}

/** Output of `http.request`: `body` is parsed when the response is JSON, else text. */
export interface HttpRequestOutput {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface HttpRequestToolOptions {
  /** Responses above this size fail (`WF_HTTP_RESPONSE_TOO_LARGE`). Default 10 MB. */
  maxResponseBytes?: number;
  /** Used when the input sets no `timeoutMs`. Default 5 minutes. */
  defaultTimeoutMs?: number;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_HTTP_TIMEOUT_MS = 300_000;

/**
 * Builds the `http.request` tool (Node's built-in `fetch`). Failures are classified for the
 * retry policy: 5xx, 429 and network errors are `TransientError`s, other 4xx
 * `NodeExecutionError`s, an elapsed `timeoutMs` a `TimeoutError`; cancellation rethrows the
 * signal's reason.
 */
export function createHttpRequestTool(options: HttpRequestToolOptions = {}): ToolDefinition<HttpRequestInput, HttpRequestOutput> {
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  return {
    name: 'http.request',
    description: 'Sends an HTTP(S) request and returns { status, headers, body }; JSON responses are parsed.',
    inputSchema: {
      type: 'object',
      properties: {
        url: { type: 'string', minLength: 1, maxLength: 16_384, pattern: '^[Hh][Tt][Tt][Pp][Ss]?://' },
        method: { type: 'string', enum: [...METHODS] },
        headers: {
          type: 'object',
          propertyNames: { type: 'string', pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" },
          additionalProperties: { type: ['string', 'number', 'boolean'] },
        },
        body: {},
        timeoutMs: { type: 'integer', minimum: 1, maximum: 86_400_000 },
      },
      required: ['url'],
      additionalProperties: false,
    },
    outputSchema: {
      type: 'object',
      properties: {
        status: { type: 'integer' },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        body: {},
      },
      required: ['status', 'headers', 'body'],
      additionalProperties: false,
    },
    execute: (input, ctx) => httpRequest(input, ctx, maxResponseBytes, input.timeoutMs ?? defaultTimeoutMs),
  };
}

async function httpRequest(input: HttpRequestInput, ctx: NodeRunContext, maxBytes: number, timeoutMs: number): Promise<HttpRequestOutput> {
  const method = input.method ?? 'GET';
  const what = `${method} ${input.url}`;
  const init = buildRequest(input, method);
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  try {
    const res = await fetch(input.url, { ...init, signal });
    if (res.status >= 400) throw await statusError(res, what);
    const contentType = res.headers.get('content-type');
    const { bytes, truncated } = await readBody(res, maxBytes);
    if (truncated) {
      throw new NodeExecutionError(`${what} response body exceeds ${maxBytes} bytes`, {
        code: ErrorCodes.WF_HTTP_RESPONSE_TOO_LARGE,
        details: { status: res.status, maxBytes },
      });
    }
    ctx.logger.debug({ method, url: input.url, status: res.status, bytes: bytes.byteLength }, 'http.request');
    return { status: res.status, headers: headersToObject(res.headers), body: parseBody(bytes, contentType, what) };
  } catch (err) {
    // Whoever aborted decides what the failure is: the executor (its reason) or our own timeout.
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (timeout.aborted) throw new TimeoutError(`${what} timed out after ${timeoutMs} ms`, { code: ErrorCodes.WF_TIMEOUT, cause: err });
    if (err instanceof WeftError) throw err;
    throw new TransientError(`${what} failed: ${networkReason(err)}`, { code: ErrorCodes.WF_HTTP_NETWORK, cause: err });
  }
}

/** Builds method, headers and body, rejecting what fetch would reject with an obscure message. */
function buildRequest(input: HttpRequestInput, method: string): RequestInit {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw inputError(`/url is not a valid URL: ${input.url}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw inputError('/url must be an http or https URL');
  if (url.username || url.password) throw inputError('/url must not contain credentials; send them in an Authorization header');
  let headers: Headers;
  try {
    headers = new Headers(Object.entries(input.headers ?? {}).map(([k, v]) => [k, String(v)]));
  } catch (err) {
    throw inputError(`/headers ${(err as Error).message}`);
  }
  if (input.body === undefined) return { method, headers };
  if (method === 'GET' || method === 'HEAD') throw inputError(`/body is not allowed with ${method}`);
  if (typeof input.body === 'string') return { method, headers, body: input.body };
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  return { method, headers, body: JSON.stringify(input.body) };
}

async function statusError(res: Response, what: string): Promise<WeftError> {
  const message = `${what} returned ${res.status}`;
  // A snippet of the body helps diagnose the failure; a broken error body must not hide the status.
  const snippet = await readBody(res, ERROR_BODY_SNIPPET_BYTES)
    .then(({ bytes }) => decodeText(bytes, res.headers.get('content-type')))
    .catch(() => undefined);
  const details = { status: res.status, body: snippet };
  if (res.status >= 500 || res.status === 429) {
    return new TransientError(message, {
      code: ErrorCodes.WF_HTTP_STATUS,
      details,
      retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
    });
  }
  return new NodeExecutionError(message, { code: ErrorCodes.WF_HTTP_STATUS, details });
}

function parseBody(bytes: Uint8Array, contentType: string | null, what: string): unknown {
  if (!isJsonContentType(contentType)) return decodeText(bytes, contentType);
  const text = decodeText(bytes, contentType);
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new NodeExecutionError(`${what} returned invalid JSON: ${(err as Error).message}`, { code: ErrorCodes.WF_NODE_FAILED });
  }
}

function headersToObject(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  // Headers iterates set-cookie once per cookie; keep them all rather than the last.
  // defineProperty: a header named `__proto__` must become data, not a prototype change.
  for (const [k, v] of headers) {
    const value = Object.hasOwn(out, k) ? `${out[k]}, ${v}` : v;
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** fetch wraps the socket error (`ECONNREFUSED`, `other side closed`) in `cause`. */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const parts = [cause?.code, cause?.message].filter((p): p is string => typeof p === 'string' && p !== '');
  if (parts.length) return [...new Set(parts)].join(': ');
  return (err as Error)?.message ?? String(err);
}

function inputError(problem: string): NodeExecutionError {
  return new NodeExecutionError(`tool "http.request" input: ${problem}`, { code: ErrorCodes.WF_TOOL_INPUT });
}
