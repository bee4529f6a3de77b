import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import sjson from 'secure-json-parse';
import { ValidationError } from '../../core/index';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors/api-errors';
import type { ApiState } from '../routes/route-spec';

/**
 * Keys that could reach an object's prototype when a body is merged or assigned somewhere.
 * secure-json-parse refuses `__proto__` and `constructor.prototype`; weft refuses the three
 * names anywhere, so a body that only becomes dangerous after a later merge is refused too.
 */
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
 * reading and again while reading), valid UTF-8 (400 otherwise), nesting at most {@link MAX_JSON_DEPTH}, no
 * `__proto__`/`constructor`/`prototype` key at any depth (400, naming where). Reading is
 * `@koa/bodyparser`'s, which also leaves the text in `ctx.request.rawBody`. It is mounted per
 * route, so a route that needs another body (a webhook's raw bytes) mounts its own reader.
 */
export function bodyMiddleware(options: BodyOptions): Middleware<ApiState> {
  // bodyparser reads JSON as text so that secure-json-parse, not JSON.parse, parses it, once
  const read = bodyParser({
    enableTypes: ['text'],
    extendTypes: { text: ['application/json'] },
    textLimit: options.maxBytes,
    // one character per byte, so that the bytes can be decoded strictly below: bodyparser's own
    // UTF-8 decoding would turn invalid bytes into U+FFFD instead of refusing them
    encoding: 'latin1',
    parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'],
    onError: (err, ctx) => {
      if ((err as { status?: number }).status === 413) {
        ctx.set('Connection', 'close'); // do not keep reading a body nobody wants on this socket
        throw tooLarge(options.maxBytes);
      }
      throw bodyError(`the body could not be read: ${err.message.slice(0, 200)}`);
    },
  });
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
      ctx.set('Connection', 'close');
      throw tooLarge(options.maxBytes);
    }
    await read(ctx, async () => {});
    const bytes = ctx.request.body;
    const text = typeof bytes === 'string' ? decodeUtf8(Buffer.from(bytes, 'latin1')) : undefined;
    if (text !== undefined) ctx.request.rawBody = text;
    ctx.state.body = text === undefined || text.length === 0 ? undefined : parseJson(text);
    return next();
  };
}

/**
 * Parses JSON text with secure-json-parse, refusing deep nesting before parsing and the
 * forbidden keys at any depth with the path of the first one (`body.inputs.a.__proto__`).
 */
export function parseJson(text: string): unknown {
  if (nestingDepth(text) > MAX_JSON_DEPTH) throw bodyError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    // secure-json-parse throws for malformed text and for forbidden keys alike; text that plain
    // JSON.parse accepts was refused for a key, which the walk below locates (JSON.parse makes
    // `__proto__` an own property, so this parse cannot pollute anything)
    try {
      value = JSON.parse(text);
    } catch {
      throw bodyError(`malformed JSON: ${(err as Error).message.slice(0, 200)}`);
    }
  }
  const bad = forbiddenKeyPath(value);
  if (bad !== undefined) throw bodyError(`the key "${bad.key}" is not allowed anywhere in a request body`, bad.path);
  return value;
}

interface Visit {
  node: unknown;
  parent: Visit | undefined;
  step: string;
}

/** The first forbidden key, found without recursion (bodies may be wide or deep up to the limit). */
function forbiddenKeyPath(root: unknown): { key: string; path: string } | undefined {
  const stack: Visit[] = [{ node: root, parent: undefined, step: 'body' }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const node = visit.node;
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push({ node: node[i], parent: visit, step: `[${i}]` });
      continue;
    }
    const keys = Object.keys(node);
    for (const key of keys) {
      if (FORBIDDEN_KEYS.has(key)) return { key, path: pathOf({ node: undefined, parent: visit, step: `.${key}` }) };
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      stack.push({ node: (node as Record<string, unknown>)[keys[i]!], parent: visit, step: `.${keys[i]}` });
    }
  }
  return undefined;
}

function pathOf(visit: Visit): string {
  const steps: string[] = [];
  for (let v: Visit | undefined = visit; v; v = v.parent) steps.push(v.step);
  return steps.reverse().join('');
}

/** Deepest `{`/`[` nesting outside strings (linear scan, no recursion). */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
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
        resolve(decodeUtf8(Buffer.concat(chunks)));
      } catch (err) {
        reject(err);
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

/** The text of UTF-8 bytes; anything else (a stray byte, an overlong or surrogate form) is refused with 400. */
function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw bodyError('the body is not valid UTF-8');
  }
}

export function tooLarge(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`request body exceeds ${maxBytes} bytes`, { details: { maxBytes } });
}

function bodyError(message: string, path = 'body'): ValidationError {
  return new ValidationError(message, { details: [{ path, message }] });
}
