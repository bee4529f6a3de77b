import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Tokens } from '../core/index';
import { SecretRedactor } from '../core/secrets/secret-redactor';
import { loadConfig } from '../runtime/config/weft-config';
import { buildRuntime } from '../runtime/composition/build-runtime';
import { createApp } from '../api/create-app';
import { listenApp } from '../api/listen-app';
import { fmt, median, report } from './bench-stats';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (
  opts: Record<string, unknown>,
) => Promise<{ requests: { average: number }; non2xx: number; errors: number; timeouts: number }>;

const SECRET = 'whsec-bench-0123456789abcdef';

/**
 * Webhooks and secrets: `POST /hooks/:workflowId/:name` with HMAC checking into a one-node
 * workflow beside `POST /workflows/:id/execute` of the same workflow (both 202, SQLite, loopback,
 * load in a worker thread, interleaved runs); then the cost of redacting a 1 MB output with five
 * secrets in use.
 */
export async function run(): Promise<void> {
  console.log('\n## hooks: webhook throughput and redaction cost');
  await throughput();
  redaction();
}

async function throughput(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-hooks-bench-'));
  const config = loadConfig({
    WEFT_DATA_DIR: dir,
    WEFT_LOG_LEVEL: 'silent',
    WEFT_RATE_LIMIT_PER_MINUTE: String(1_000_000_000),
    WEFT_HOOK_RATE_LIMIT_PER_MINUTE: String(1_000_000_000),
  });
  const runtime = await buildRuntime(config);
  const weft = createApp({ kernel: runtime.kernel, config, logger: runtime.logger });
  const server = await listenApp(weft, 0, '127.0.0.1');
  try {
    const keys = runtime.kernel.get(Tokens.ApiKeyStore);
    const operator = (await keys.create('operator', { name: 'bench' })).key;
    await runtime.kernel.get(Tokens.SecretStore).set('HOOK_SECRET', SECRET);
    const admin = (await keys.create('admin', { name: 'bench-admin' })).key;
    const created = await fetch(`${server.url}/api/v1/workflows`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'bench-hook',
        nodes: [{ id: 'echo', type: 'tool', config: { tool: 'core.echo', input: { ok: true } } }],
        triggers: [{ type: 'webhook', name: 'in', auth: { hmac: { secret: 'HOOK_SECRET' } } }],
      }),
    });
    const { id } = (await created.json()) as { id: string };
    const body = '{"event":"order.created","id":42}';
    // one signature serves the whole run: reuse inside the 5-minute window is accepted by design
    const t = Math.floor(Date.now() / 1000);
    const signature = `t=${t},v1=${createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')}`;
    const execute = {
      url: `${server.url}/api/v1/workflows/${id}/execute`,
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: '{}',
    };
    const hook = {
      url: `${server.url}/hooks/${id}/in`,
      method: 'POST',
      headers: { 'x-weft-signature': signature, 'content-type': 'application/json' },
      body,
    };
    const load = (o: Record<string, unknown>, duration: number) => autocannon({ connections: 20, workers: 1, duration, ...o });
    await load(execute, 2);
    await load(hook, 2);
    const execRuns: number[] = [];
    const hookRuns: number[] = [];
    let refused = 0;
    for (let i = 0; i < 3; i++) {
      const e = await load(execute, 5);
      const h = await load(hook, 5);
      execRuns.push(e.requests.average);
      hookRuns.push(h.requests.average);
      refused += e.non2xx + e.errors + e.timeouts + h.non2xx + h.errors + h.timeouts;
    }
    const execRps = median(execRuns);
    const hookRps = median(hookRuns);
    report('POST /workflows/:id/execute (202, SQLite)', `${fmt(execRps, 0)} req/s (runs: ${execRuns.map((r) => fmt(r, 0)).join(', ')})`);
    report(
      'POST /hooks/:workflowId/:name, HMAC (202, SQLite)',
      `${fmt(hookRps, 0)} req/s (runs: ${hookRuns.map((r) => fmt(r, 0)).join(', ')})`,
    );
    report('  webhook / execute', fmt(hookRps / execRps, 3), '≥ 0.8', hookRps / execRps >= 0.8);
    report('  non-2xx, errors and timeouts', String(refused), '0', refused === 0);
  } finally {
    await server.close(1_000);
    await runtime.kernel.executor.drain(5_000);
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function redaction(): void {
  const secrets = Array.from({ length: 5 }, (_, i) => [`SECRET_${i}`, `sk_${i}_${randomBytes(12).toString('hex')}`] as const);
  const redactor = new SecretRedactor();
  for (const [name, value] of secrets) redactor.add(name, value);
  // a 1 MB JSON-like output: 8,000 records of ~130 bytes, a few carrying secret values
  const rows = Array.from({ length: 8_000 }, (_, i) => ({
    id: i,
    name: `customer ${i} ${'x'.repeat(40)}`,
    note: i % 1000 === 0 ? `token ${secrets[i % 5]![1]} used` : `ordinary text for row ${i} with nothing to hide`,
    tags: ['alpha', 'beta'],
  }));
  const bytes = Buffer.byteLength(JSON.stringify(rows));
  const flat = JSON.stringify(rows);
  const times = (f: () => unknown) => {
    for (let i = 0; i < 5; i++) f();
    const out: number[] = [];
    for (let i = 0; i < 21; i++) {
      const t0 = performance.now();
      f();
      out.push(performance.now() - t0);
    }
    return median(out);
  };
  const structured = times(() => redactor.redact(rows));
  const text = times(() => redactor.redactText(flat));
  const none = times(() => new SecretRedactor().redact(rows));
  report(`redact a ${fmt(bytes / 1e6, 2)} MB output (8,000 records), 5 secrets`, `${fmt(structured, 2)} ms`, '< 5 ms', structured < 5);
  report(`  the same as one ${fmt(bytes / 1e6, 2)} MB string`, `${fmt(text, 2)} ms`);
  report('  no secret in use (pass-through)', `${fmt(none, 3)} ms`);
}

if (require.main === module) void run();
