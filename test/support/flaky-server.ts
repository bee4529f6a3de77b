import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How a {@link FlakyServer} behaves. Every field is optional. */
export interface FlakyServerOptions {
  /** How many requests fail before the server succeeds. Default 0. */
  failures?: number;
  /** `status`: fail with `failStatus`; `destroy`: destroy the socket without answering (a network error). Default `status`. */
  failMode?: 'status' | 'destroy';
  /** Status of a failed request. Default 503. */
  failStatus?: number;
  /** `Retry-After` header sent with failures (seconds or an HTTP date). */
  retryAfter?: string;
  /** Status of a successful response. Default 200. */
  status?: number;
  /** Body of a successful response: strings are sent as is, anything else as JSON. Default `{ ok: true, request: n }`. */
  body?: unknown;
  /** Content type of a successful response. Default `application/json` (`text/plain` for string bodies). */
  contentType?: string;
  /** Extra headers of a successful response. */
  headers?: Record<string, string | string[]>;
  /** Send the successful body in two chunks without a content-length (chunked encoding). */
  chunked?: boolean;
  /** Wait this long before answering any request (for timeouts). */
  delayMs?: number;
}

/** A request the server saw. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * A real HTTP server on 127.0.0.1 (port 0) that fails a configurable number of times, then
 * answers with JSON (or the configured body). Counts and records requests. Always `close()` it.
 */
export class FlakyServer {
  readonly requests: RecordedRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Starts a server; `url` is `http://127.0.0.1:<port>` (no trailing slash). */
  static async start(options: FlakyServerOptions = {}): Promise<FlakyServer> {
    let self: FlakyServer | undefined;
    const server = createServer((req, res) => void self!.handle(req, res, options));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    self = new FlakyServer(server, `http://127.0.0.1:${port}`);
    return self;
  }

  /** Number of requests received so far. */
  get count(): number {
    return this.requests.length;
  }

  /** Stops listening and drops open connections (including ones a delayed response holds). */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse, o: FlakyServerOptions): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    this.requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    });
    const n = this.requests.length;
    if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs).unref());
    if (res.destroyed) return;
    if (n <= (o.failures ?? 0)) {
      if (o.failMode === 'destroy') {
        req.socket.destroy();
        return;
      }
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (o.retryAfter !== undefined) headers['retry-after'] = o.retryAfter;
      res.writeHead(o.failStatus ?? 503, headers).end(JSON.stringify({ error: 'failure', request: n }));
      return;
    }
    const body = o.body === undefined ? { ok: true, request: n } : o.body;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const contentType = o.contentType ?? (typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json');
    res.writeHead(o.status ?? 200, { 'content-type': contentType, ...o.headers });
    if (!o.chunked) {
      res.end(text);
      return;
    }
    const half = Math.floor(text.length / 2);
    res.write(text.slice(0, half));
    res.end(text.slice(half));
  }
}
