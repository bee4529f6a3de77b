import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { SCREENSHOT_DIR, signIn, type ConsoleBrowser } from '../support/console-browser';
import { flowNode, startConsoleServer, type ConsoleServer } from '../support/console-server';
import { waitFor } from '../support/wait-for';
import { callApi, type WeftProcess } from '../support/weft-process';

// evaluated in the page, where these exist (this project's tsconfig has no DOM lib)
declare const window: any, sessionStorage: any, localStorage: any, performance: any;

const SLEEPY = {
  name: 'sleepy-chain',
  variables: { ms: 900 },
  nodes: [
    { id: 'a', type: 'tool', config: { tool: 'core.sleep', input: { ms: '{{ variables.ms }}', value: 'a' } } },
    { id: 'b', type: 'tool', config: { tool: 'core.sleep', input: { ms: '{{ variables.ms }}', value: 'b' } } },
    { id: 'c', type: 'tool', config: { tool: 'core.echo', input: { done: '{{ nodes.b.output }}' } } },
  ],
  edges: [
    { from: 'a', to: 'b' },
    { from: 'b', to: 'c' },
  ],
  outputs: { done: '{{ nodes.c.output.done }}' },
};

/** `boom` throws on both of its attempts; `after` is skipped. */
const FLAKY = {
  name: 'flaky',
  variables: { n: 7 },
  settings: { onNodeFailure: 'continue' },
  nodes: [
    { id: 'start', type: 'tool', config: { tool: 'core.echo', input: { n: '{{ variables.n }}' } } },
    {
      id: 'boom',
      type: 'adapter',
      config: { transform: 'code', input: '{{ nodes.start.output.n }}', code: "throw new Error('boom: upstream said ' + input)" },
      retry: { maxAttempts: 2, initialDelayMs: 10, retryOn: ['SandboxError'] },
    },
    { id: 'after', type: 'tool', config: { tool: 'core.echo', input: '{{ nodes.boom.output }}' } },
  ],
  edges: [
    { from: 'start', to: 'boom' },
    { from: 'boom', to: 'after' },
  ],
};

const LONG = {
  name: 'long-sleep',
  nodes: [
    { id: 'wait', type: 'tool', config: { tool: 'core.sleep', input: { ms: 60_000 } } },
    { id: 'then', type: 'tool', config: { tool: 'core.echo', input: 'late' } },
  ],
  edges: [{ from: 'wait', to: 'then' }],
};

/** `big` outputs about 5 KB: above this server's WEFT_INLINE_OUTPUT_BYTES (1024), so documents carry it as a `$ref`. */
const BIG = {
  name: 'big-output',
  nodes: [{ id: 'big', type: 'adapter', config: { transform: 'code', input: 1, code: "return { n: 42, text: 'x'.repeat(5000) }" } }],
};

/** The console in a real headless chromium against a real `weft serve`. */
describe('web console (headless chromium, weft serve)', function () {
  this.timeout(90_000);
  let server: ConsoleServer;
  let serve: WeftProcess & { url: string };
  let browser: ConsoleBrowser;
  let adminKey: string;
  let viewerKey: string;
  let operatorKey: string;
  const wf: Record<string, string> = {};

  before(async function () {
    server = await startConsoleServer('console', { WEFT_INLINE_OUTPUT_BYTES: '1024' });
    ({ serve, browser, adminKey, viewerKey, operatorKey } = server);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    for (const def of [SLEEPY, FLAKY, LONG, BIG]) wf[def.name] = await server.createWorkflow(def);
  });

  after(() => server?.close());

  it('refuses a wrong key with "Invalid API key" and keeps nothing', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${serve.url}/`);
    assert.match(page.url(), /\/ui\/$/);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'sign-in.png') });
    await page.getByLabel('API key').fill('weft_not-a-real-key');
    await page.getByLabel('API key').press('Enter');
    await page.getByRole('alert').filter({ hasText: 'Invalid API key' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length + localStorage.length), 0);
    assert.equal(await page.getByTestId('role').count(), 0);
    await page.close();
  });

  it('lists workflows with version, schedule, triggers and last execution', async () => {
    await callApi(serve.url, adminKey, 'POST', `/api/v1/workflows/${wf['flaky']}/execute`, { wait: true });
    const page = await browser.context.newPage();
    await signIn(page, serve.url, adminKey, '/ui/workflows');
    const table = page.getByRole('table', { name: 'Workflows' });
    for (const name of ['sleepy-chain', 'flaky', 'long-sleep']) await table.getByRole('link', { name }).waitFor();
    const flakyRow = table.locator('tr', { has: page.getByRole('link', { name: 'flaky', exact: true }) });
    await flakyRow.locator('[data-status="partially_succeeded"]').waitFor();
    assert.match(await flakyRow.innerText(), /v1/);
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'the key is never in localStorage');
    assert.equal(await page.evaluate(() => Object.keys(sessionStorage).length), 1);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'workflows.png') });
    await page.close();
  });

  it('runs a workflow from the console and the execution page follows every node live, without a reload', async () => {
    const page = await browser.context.newPage();
    await signIn(page, serve.url, operatorKey, `/ui/workflows/${wf['sleepy-chain']}`);
    await page.getByRole('button', { name: 'Run' }).click();
    const inputs = page.getByLabel(/Inputs/);
    await inputs.fill('{ "ms": 2500 }');
    await page.getByRole('dialog').getByRole('button', { name: 'Run' }).click();
    await page.waitForURL(/\/ui\/executions\/[0-9a-f-]+$/);
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
    // `b` starts 2.5 s after the run does, so the page (however slow the machine) is up by then:
    // it must see `b` running with `c` still pending, then both end, without a reload
    await flowNode(page, 'b').and(page.locator('[data-status="running"]')).waitFor({ timeout: 30_000 });
    assert.equal(await flowNode(page, 'a').getAttribute('data-status'), 'succeeded');
    assert.equal(await flowNode(page, 'c').getAttribute('data-status'), 'pending');
    await flowNode(page, 'c').and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: 30_000 });
    await page.locator('.page-head [data-status="succeeded"]').waitFor();
    assert.equal(await flowNode(page, 'b').getAttribute('aria-label'), 'b: succeeded', 'status word as accessible label');
    assert.equal(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload), true, 'no reload happened');
    // statuses moved and nodes started, but the graph was laid out once
    assert.equal(await page.evaluate(() => performance.getEntriesByName('weft:layout-start').length), 1);
    const executionId = page.url().split('/').pop()!;
    const doc = await callApi(serve.url, adminKey, 'GET', `/api/v1/executions/${executionId}`);
    assert.equal(doc.body.status, 'succeeded');
    assert.deepEqual(doc.body.inputs, { ms: 2500 });
    await page.locator('.timeline-row').first().waitFor();
    await flowNode(page, 'b').click();
    await page.getByRole('complementary', { name: 'Node b' }).getByText('"b"').waitFor();
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'execution.png'), fullPage: true });
    await page.close();
  });

  it("shows a failed node's error, folded stack and every attempt in its panel", async () => {
    const run = await callApi(serve.url, adminKey, 'POST', `/api/v1/workflows/${wf['flaky']}/execute`, { wait: true });
    const page = await browser.context.newPage();
    await signIn(page, serve.url, viewerKey, `/ui/executions/${run.body.id}`);
    await flowNode(page, 'boom').and(page.locator('[data-status="failed"]')).waitFor();
    assert.equal(await flowNode(page, 'after').getAttribute('data-status'), 'skipped');
    await flowNode(page, 'boom').click();
    const panel = page.getByRole('complementary', { name: 'Node boom' });
    await panel.getByText('boom: upstream said 7').first().waitFor();
    assert.equal(await panel.getByTestId('attempts').innerText(), '2');
    const attempts = panel.getByRole('list', { name: 'Attempts' }).locator(':scope > li');
    assert.equal(await attempts.count(), 2);
    assert.match(await attempts.nth(0).innerText(), /attempt 1:.*SandboxError/s);
    const stack = panel.locator('details').first();
    assert.equal(await stack.getAttribute('open'), null, 'the stack starts folded');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'failed-node.png'), fullPage: true });
    await page.close();
  });

  it('loads an output stored apart ($ref) from the output route on request, with the key in the header, folded', async () => {
    const run = await server.api('POST', `/api/v1/workflows/${wf['big-output']}/execute`, { wait: true });
    assert.equal(run.body.status, 'succeeded', JSON.stringify(run.body).slice(0, 400));
    const ref = run.body.nodes[0].output;
    assert.equal(ref.$ref, `/api/v1/executions/${run.body.id}/nodes/big/output`);
    const page = await browser.context.newPage();
    const fetched: Array<{ url: string; auth: string | undefined }> = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/nodes/big/output')) fetched.push({ url: r.url(), auth: r.headers()['authorization'] });
    });
    await signIn(page, serve.url, viewerKey, `/ui/executions/${run.body.id}`);
    await flowNode(page, 'big').and(page.locator('[data-status="succeeded"]')).waitFor();
    await flowNode(page, 'big').click();
    const panel = page.getByRole('complementary', { name: 'Node big' });
    await panel.getByText(`Stored apart (${ref.bytes.toLocaleString('en-US')} bytes).`).waitFor();
    assert.equal(fetched.length, 0, 'nothing is fetched before it is asked for');
    await panel.getByRole('button', { name: 'Load output' }).click();
    const toggle = panel.locator('.json-toggle').first();
    await toggle.waitFor();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false', 'the loaded output starts folded');
    assert.deepEqual(fetched, [{ url: `${serve.url}${ref.$ref}`, auth: `Bearer ${viewerKey}` }]);
    await toggle.click();
    await panel.getByText('42').first().waitFor();
    await page.close();
  });

  it('shows the problems of a refused definition at their paths (admin edit)', async () => {
    const page = await browser.context.newPage();
    await signIn(page, serve.url, adminKey, `/ui/workflows/${wf['flaky']}`);
    await page.getByRole('button', { name: 'Edit definition' }).click();
    const editor = page.getByLabel('Definition JSON');
    const broken = (await editor.inputValue()).replace('"id": "after"', '"id": "start"');
    await editor.fill(broken);
    await page.getByRole('button', { name: 'Save as new version' }).click();
    const banner = page.getByRole('alert').filter({ hasText: 'The definition was refused' });
    await banner.waitFor();
    const paths = await banner.locator('.problem-path').allInnerTexts();
    assert.ok(
      paths.some((p) => /nodes\[2\]/.test(p)),
      `problems at: ${paths.join(', ')}`,
    );
    assert.doesNotMatch(await banner.innerText(), /\{\s*"error"/, 'a sentence, not raw JSON');
    const still = await callApi(serve.url, adminKey, 'GET', `/api/v1/workflows/${wf['flaky']}`);
    assert.equal(still.body.version, 1);
    await page.close();
  });

  it('cancels a running execution from the console', async () => {
    const started = await callApi(serve.url, operatorKey, 'POST', `/api/v1/workflows/${wf['long-sleep']}/execute`, {});
    const page = await browser.context.newPage();
    await signIn(page, serve.url, operatorKey, `/ui/executions/${started.body.executionId}`);
    await flowNode(page, 'wait').and(page.locator('[data-status="running"]')).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('.page-head [data-status="cancelled"]').waitFor();
    await flowNode(page, 'wait').and(page.locator('[data-status="cancelled"]')).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Cancel' }).count(), 0);
    const doc = await callApi(serve.url, adminKey, 'GET', `/api/v1/executions/${started.body.executionId}`);
    assert.equal(doc.body.status, 'cancelled');
    await page.close();
  });

  it('a viewer sees no action buttons, and a forced cancel is refused with 403', async () => {
    const started = await callApi(serve.url, operatorKey, 'POST', `/api/v1/workflows/${wf['long-sleep']}/execute`, {});
    const id: string = started.body.executionId;
    const page = await browser.context.newPage();
    await signIn(page, serve.url, viewerKey, `/ui/executions/${id}`);
    await flowNode(page, 'wait').and(page.locator('[data-status="running"]')).waitFor();
    assert.equal(await page.getByTestId('role').innerText(), 'viewer');
    assert.equal(await page.getByRole('button', { name: 'Cancel' }).count(), 0);
    const status = await page.evaluate(async (executionId) => {
      const key = sessionStorage.getItem('weft.apiKey');
      const r = await fetch(`/api/v1/executions/${executionId}/cancel`, { method: 'POST', headers: { Authorization: `Bearer ${key}` } });
      return r.status;
    }, id);
    assert.equal(status, 403);
    await page.goto(`${serve.url}/ui/workflows/${wf['sleepy-chain']}`);
    await page.getByRole('heading', { name: /sleepy-chain/ }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Run' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Edit definition' }).count(), 0);
    await callApi(serve.url, adminKey, 'POST', `/api/v1/executions/${id}/cancel`, {});
    await page.close();
  });

  it("a reload of a deep link keeps the page (and the tab's sign-in)", async () => {
    const page = await browser.context.newPage();
    await signIn(page, serve.url, viewerKey, '/ui/executions');
    const row = page.getByRole('table', { name: 'Execution list' }).locator('tbody tr').first();
    await row.getByRole('link').first().click();
    await page.waitForURL(/\/ui\/executions\/[0-9a-f-]+$/);
    const url = page.url();
    await page.locator('.flow-node').first().waitFor();
    await page.reload();
    assert.equal(page.url(), url);
    await page.locator('.flow-node').first().waitFor();
    await page.getByRole('heading', { name: /Execution/ }).waitFor();
    for (const p of ['/ui/workflows', `/ui/workflows/${wf['flaky']}`, '/ui/executions']) {
      await page.goto(serve.url + p);
      await page.getByTestId('role').waitFor();
    }
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'executions.png') });
    await page.close();
  });

  it('no request of the console carries a key in its URL, keys go only in the Authorization header, and nothing breaks the CSP', async () => {
    await waitFor(() => browser.requests.length > 0, 'requests recorded');
    const keys = [adminKey, viewerKey, operatorKey];
    for (const url of browser.requests) {
      for (const k of keys) assert.ok(!decodeURIComponent(url).includes(k), `a key in ${url}`);
      assert.ok(url.startsWith(serve.url) || url.startsWith('data:') || url === 'about:blank', `a request leaves the server: ${url}`);
    }
    assert.ok(browser.authorized.length > 10);
    for (const a of browser.authorized) assert.ok(a.url.startsWith(`${serve.url}/api/v1/`), `Authorization sent to ${a.url}`);
    const csp = browser.problems.filter((p) => /Content Security Policy|Refused to/i.test(p));
    assert.deepEqual(csp, []);
    const errors = browser.problems.filter((p) => p.startsWith('pageerror'));
    assert.deepEqual(errors, []);
    // the server's own log never printed a key either
    for (const k of keys) assert.ok(!serve.output().includes(k), 'a key in the server log');
  });
});
