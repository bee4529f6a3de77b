import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startApi, type ApiHarness } from '../support/api-harness';

/** Sends a path exactly as written (fetch would normalise `..` away before it left). */
function rawGet(url: string, rawPath: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The console's static serving over a real built-looking directory (index.html, hashed assets). */
describe('console static serving', () => {
  let root: string;
  let dir: string;
  let api: ApiHarness;
  let off: ApiHarness;

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'weft-console-'));
    dir = path.join(root, 'web');
    mkdirSync(path.join(dir, 'assets'), { recursive: true });
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>weft</title><div id="root"></div>');
    writeFileSync(path.join(dir, 'assets', 'index-AbC123.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'assets', '.hidden'), 'no');
    writeFileSync(path.join(root, 'secret.txt'), 'outside the console');
    api = await startApi({ consoleDir: dir });
    off = await startApi({ consoleDir: dir, console: false });
  });
  after(async () => {
    await api.close();
    await off.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('redirects / to /ui/ and serves index.html on every page path (deep links reload), revalidated, with a CSP', async () => {
    const r = await fetch(`${api.url}/`, { redirect: 'manual' });
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), '/ui/');
    for (const p of ['/ui/', '/ui/workflows', '/ui/workflows/wf_1', '/ui/executions', '/ui/executions/0193-abc']) {
      const page = await fetch(api.url + p);
      assert.equal(page.status, 200, p);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.equal(page.headers.get('cache-control'), 'no-cache');
      assert.match(await page.text(), /<div id="root">/);
      const csp = page.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
    }
  });

  it('serves hashed assets cached for a year; a missing asset is a 404, never index.html', async () => {
    const js = await fetch(`${api.url}/ui/assets/index-AbC123.js`);
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    assert.equal(await js.text(), 'console.log(1)');
    const gone = await fetch(`${api.url}/ui/assets/index-Old999.js`);
    assert.equal(gone.status, 404);
    assert.doesNotMatch(await gone.text(), /<div id="root">/);
    assert.equal((await fetch(`${api.url}/ui/assets/.hidden`)).status, 404);
  });

  it('never serves a file outside its directory, however the path is spelled', async () => {
    for (const p of [
      '/ui/assets/../../secret.txt',
      '/ui/assets/..%2f..%2fsecret.txt',
      '/ui/assets/%2e%2e/%2e%2e/secret.txt',
      '/ui/assets/..%5c..%5csecret.txt',
      '/ui/assets/%00secret.txt',
      '/ui/assets/%E0%A4%A',
    ]) {
      const r = await rawGet(api.url, p);
      assert.doesNotMatch(r.body, /outside the console/, p);
      assert.ok(r.status === 404 || r.status === 400 || (r.status === 200 && /<div id="root">/.test(r.body)), `${p}: ${r.status}`);
    }
  });

  it('leaves the API alone: /api/v1 routes still need a key and answer JSON', async () => {
    const r = await api.request('GET', '/api/v1/workflows', { key: null });
    assert.equal(r.status, 401);
    assert.equal(r.body.error.code, 'WF_UNAUTHORIZED');
  });

  it('WEFT_CONSOLE=false: no redirect and no pages, the API answers 404 as before', async () => {
    const root = await fetch(`${off.url}/`, { redirect: 'manual' });
    assert.equal(root.status, 404);
    const page = await fetch(`${off.url}/ui/executions`);
    assert.equal(page.status, 404);
    assert.equal(((await page.json()) as { error: { code: string } }).error.code, 'WF_NOT_FOUND');
  });
});
