import { bind, Kernel, Tokens, type ServiceBinding, type WeftPlugin } from '../../../core/index';
import { InMemoryWorkflowStore } from '../../../core/store/in-memory-workflow-store';
import { InMemoryApiKeyStore } from '../../../core/store/in-memory-api-key-store';
import toolPlugin from '../../../plugins/tool';
import { createApp, type WeftApp } from '../../../api/create-app';
import { listenApp, type ListeningServer } from '../../../api/listen-app';

export interface HarnessOptions {
  rateLimitPerMinute?: number;
  /** Default here 100,000 (weft's own default, 120, is for tests of that limit to set). */
  authFailLimitPerMinute?: number;
  maxSseStreamsPerKey?: number;
  hookRateLimitPerMinute?: number;
  maxBodyBytes?: number;
  trustProxy?: boolean;
  sseHeartbeatMs?: number;
  sseStorePollMs?: number;
  plugins?: readonly WeftPlugin[];
  /** Replaces the in-memory stores (e.g. SQLite persistence bindings). */
  services?: readonly ServiceBinding<any>[];
  overrides?: readonly ServiceBinding<any>[];
  /** A kernel built elsewhere (the caller stops it). */
  kernel?: Kernel;
  /** `WEFT_CONSOLE` (default on) and where the built console is. */
  console?: boolean;
  consoleDir?: string;
}

export interface Response<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  key?: string | null;
  body?: unknown;
  /** Sent as is (no JSON encoding, no content type unless given). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

/** An API on 127.0.0.1:0 over a real kernel, with one key per role. */
export interface ApiHarness {
  url: string;
  kernel: Kernel;
  weft: WeftApp;
  server: ListeningServer;
  keys: { admin: string; operator: string; viewer: string };
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<Response<T>>;
  /** Creates a workflow as admin; returns its id. */
  createWorkflow(definition: object): Promise<string>;
  close(): Promise<void>;
}

/** Starts an API harness; always `close()` it. */
export async function startApi(options: HarnessOptions = {}): Promise<ApiHarness> {
  const ownKernel = !options.kernel;
  const kernel =
    options.kernel ??
    Kernel.create({
      plugins: options.plugins ?? [toolPlugin],
      services: options.services ?? [
        bind(Tokens.WorkflowStore, () => new InMemoryWorkflowStore()),
        bind(Tokens.ApiKeyStore, () => new InMemoryApiKeyStore()),
      ],
      overrides: options.overrides,
    });
  const keyStore = kernel.get(Tokens.ApiKeyStore);
  const keys = {
    admin: (await keyStore.create('admin', { name: 'test-admin' })).key,
    operator: (await keyStore.create('operator', { name: 'test-operator' })).key,
    viewer: (await keyStore.create('viewer', { name: 'test-viewer' })).key,
  };
  const weft = createApp({
    kernel,
    config: {
      maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
      rateLimitPerMinute: options.rateLimitPerMinute ?? 100_000,
      authFailLimitPerMinute: options.authFailLimitPerMinute ?? 100_000,
      maxSseStreamsPerKey: options.maxSseStreamsPerKey,
      hookRateLimitPerMinute: options.hookRateLimitPerMinute,
      trustProxy: options.trustProxy ?? false,
      console: options.console,
    },
    consoleDir: options.consoleDir,
    sseHeartbeatMs: options.sseHeartbeatMs,
    sseStorePollMs: options.sseStorePollMs,
  });
  const server = await listenApp(weft, 0, '127.0.0.1');
  const request = async <T>(method: string, path: string, o: RequestOptions = {}): Promise<Response<T>> => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    const key = o.key === undefined ? keys.admin : o.key;
    if (key !== null) headers.authorization ??= `Bearer ${key}`;
    let body: string | Buffer | undefined;
    if (o.raw !== undefined) body = o.raw;
    else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(server.url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (metrics, SSE): keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  };
  return {
    url: server.url,
    kernel,
    weft,
    server,
    keys,
    request,
    async createWorkflow(definition) {
      const r = await request<{ id: string }>('POST', '/api/v1/workflows', { body: definition });
      if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.text}`);
      return r.body.id;
    },
    async close() {
      await server.close(1_000);
      if (ownKernel) await kernel.stop();
    },
  };
}

/** A one-node workflow echoing `inputs.msg` (or `"hi"`). */
export function echoWorkflow(name = 'echo-flow'): object {
  return {
    name,
    variables: { msg: 'hi' },
    nodes: [{ id: 'echo', type: 'tool', config: { tool: 'core.echo', input: { said: '{{ variables.msg }}' } } }],
    outputs: { said: '{{ nodes.echo.output.said }}' },
  };
}

/** `a` (sleep `ms`) → `b` (echo): long enough to observe and cancel. */
export function sleepWorkflow(ms: number, name = 'sleep-flow'): object {
  return {
    name,
    nodes: [
      { id: 'a', type: 'tool', config: { tool: 'core.sleep', input: { ms, value: 1 } } },
      { id: 'b', type: 'tool', config: { tool: 'core.echo', input: { after: '{{ nodes.a.output }}' } } },
    ],
    edges: [{ from: 'a', to: 'b' }],
  };
}
