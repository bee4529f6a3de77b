import type { Middleware } from 'koa';
import { ValidationError } from '../../core/index';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors/api-errors';
import type { ApiState } from '../routes/route-spec';

/** Keys that could reach an object's prototype when a body is merged or assigned somewhere. */
export const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Deeper bodies are refused before parsing (reviving and downstream copies recurse). */
export const MAX_JSON_DEPTH = 64;

export interface BodyOptions {
  maxBytes: number;
  /** Whether the route accepts a body at all. */
  accepts: boolean;
}

/**
 * Reads and parses a JSON request body into `ctx.state.body` (undefined when there is none):
 * `application/json` only (415), at most `maxBytes` (413, checked on `Content-Length` before
 * reading and again while reading), UTF-8, nesting at most {@link MAX_JSON_DEPTH}, no
 * `__proto__`/`constructor`/`prototype` key at any depth (400).
 */
export function bodyMiddleware(options: BodyOptions): Middleware<ApiState> {
  return async (ctx, next) => {
    const req = ctx.req;
    const declared = req.headers['content-length'];
    const chunked = req.headers['transfer-encoding'] !== undefined;
    if (!chunked && (declared === undefined || declared === '0')) {
      ctx.state.body = undefined;
      return next();
    }
    if (!options.accepts) throw bodyError('this route takes no request body');
    if (!ctx.request.is('application/json')) {
      throw new UnsupportedMediaTypeError(`request bodies must be application/json (got ${ctx.get('content-type') || 'no Content-Type'})`);
    }
    const charset = ctx.request.charset;
    if (charset && charset.toLowerCase() !== 'utf-8' && charset.toLowerCase() !== 'utf8') {
      throw new UnsupportedMediaTypeError(`request bodies must be UTF-8 (got charset ${charset.slice(0, 40)})`);
    }
    if (declared !== undefined && Number(declared) > options.maxBytes) {
      ctx.set('Connection', 'close'); // do not keep reading a body nobody wants on this socket
      throw tooLarge(options.maxBytes);
    }
    const raw = await readBody(req, options.maxBytes).catch((err: unknown) => {
      if (err instanceof PayloadTooLargeError) ctx.set('Connection', 'close');
      throw err;
    });
    ctx.state.body = raw.length === 0 ? undefined : parseJson(raw);
    return next();
  };
}

/** Parses JSON text, refusing prototype keys (the reviver sees every key at every depth) and deep nesting. */
export function parseJson(text: string): unknown {
  if (nestingDepth(text) > MAX_JSON_DEPTH) throw bodyError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  let bad: string | undefined;
  let value: unknown;
  try {
    value = JSON.parse(text, function reviver(key, v) {
      if (FORBIDDEN_KEYS.has(key)) bad ??= key;
      return v;
    });
  } catch (err) {
    throw bodyError(`malformed JSON: ${(err as Error).message.slice(0, 200)}`);
  }
  if (bad !== undefined) throw bodyError(`the key "${bad}" is not allowed anywhere in a request body`);
  return value;
}

/** Deepest `{`/`[` nesting outside strings (linear scan, no recursion). */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

export function readBody(req: NodeJS.ReadableStream & { destroyed?: boolean }, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      req.removeListener('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        // keep draining (and dropping) what is left so the 413 can still be written
        req.resume();
        reject(tooLarge(maxBytes));
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      try {
        resolve(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)));
      } catch {
        reject(bodyError('the body is not valid UTF-8'));
      }
    };
    const onError = (err: Error) => {
      cleanup();
      reject(bodyError(`the body could not be read: ${err.message}`));
    };
    const onAborted = () => {
      cleanup();
      reject(bodyError('the client aborted the request'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

export function tooLarge(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`request body exceeds ${maxBytes} bytes`, { details: { maxBytes } });
}

function bodyError(message: string): ValidationError {
  return new ValidationError(message, { details: [{ path: 'body', message }] });
}
