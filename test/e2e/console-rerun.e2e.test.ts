import assert from 'node:assert/strict';
import { signIn, type ConsoleBrowser } from '../support/console-browser';
import { flowNode, startConsoleServer, type ConsoleServer } from '../support/console-server';
import { FlakyServer } from '../support/flaky-server';
import { callApi, type WeftProcess } from '../support/weft-process';

/** The console's lineage actions in headless chromium against a real `weft serve`. */
describe('web console: re-run, child executions, map progress (headless chromium, weft serve)', function () {
  this.timeout(90_000);
  let server: ConsoleServer;
  let serve: WeftProcess & { url: string };
  let browser: ConsoleBrowser;
  let adminKey: string;
  let ok: FlakyServer;
  let flaky: FlakyServer;
  let slow: FlakyServer;
  let viewerKey: string;
  let operatorKey: string;
  let parentWf: string;
  let mapWf: string;

  before(async function () {
    ok = await FlakyServer.start();
    flaky = await FlakyServer.start({ failures: 1 });
    slow = await FlakyServer.start({ delayMs: 300 });
    server = await startConsoleServer('console-rerun');
    ({ serve, browser, adminKey, viewerKey, operatorKey } = server);
    const create = (def: object) => server.createWorkflow(def);
    const child = await create({
      name: 'child',
      nodes: [{ id: 'hello', type: 'tool', config: { tool: 'core.echo', input: 'from the child' } }],
    });
    // a and sub succeed; d fails once (the server's first answer is a 503), e depends on d
    parentWf = await create({
      name: 'fails-once',
      nodes: [
        { id: 'a', type: 'tool', config: { tool: 'http.request', input: { url: `${ok.url}/a` } } },
        { id: 'sub', type: 'workflow', config: { workflowId: child } },
        { id: 'd', type: 'tool', config: { tool: 'http.request', input: { url: `${flaky.url}/d` } } },
        { id: 'e', type: 'tool', config: { tool: 'core.echo', input: { status: '{{ nodes.d.output.status }}' } } },
      ],
      edges: [
        { from: 'a', to: 'sub' },
        { from: 'sub', to: 'd' },
        { from: 'd', to: 'e' },
      ],
    });
    mapWf = await create({
      name: 'slow-map',
      nodes: [
        {
          id: 'fan',
          type: 'map',
          config: {
            items: '{{ inputs.list }}',
            concurrency: 1,
            node: { type: 'tool', config: { tool: 'http.request', input: { url: `${slow.url}/{{ index }}` } } },
          },
        },
      ],
    });
  });

  after(async () => {
    await server?.close();
    for (const s of [ok, flaky, slow]) await s?.close();
  });

  let failedId: string;

  it('an operator re-runs a failed execution from the console and lands on the new one, which reused what succeeded', async () => {
    const first = await callApi(serve.url, adminKey, 'POST', `/api/v1/workflows/${parentWf}/execute`, { wait: true });
    assert.equal(first.body.status, 'failed', JSON.stringify(first.body));
    failedId = first.body.id;
    const page = await browser.context.newPage();
    await signIn(page, serve.url, operatorKey, `/ui/executions/${failedId}`);
    await flowNode(page, 'd').and(page.locator('[data-status="failed"]')).waitFor();

    // the sub-workflow node lists the child execution it started, as a link
    await flowNode(page, 'sub').click();
    const subPanel = page.getByRole('complementary', { name: 'Node sub' });
    const children = subPanel.getByRole('list', { name: 'Child executions' }).getByRole('link');
    await children.first().waitFor();
    assert.equal(await children.count(), 1);
    const listed = await callApi(serve.url, adminKey, 'GET', `/api/v1/executions/${failedId}/children`);
    assert.equal(await children.first().innerText(), listed.body.items[0].id);

    await page.getByRole('button', { name: 'Re-run from failed' }).click();
    await page.waitForURL((u) => /\/ui\/executions\/[0-9a-f-]+$/.test(u.pathname) && !u.pathname.endsWith(failedId));
    const rerunId = page.url().split('/').pop()!;
    await page.locator('.page-head [data-status="succeeded"]').waitFor({ timeout: 30_000 });
    await flowNode(page, 'e').and(page.locator('[data-status="succeeded"]')).waitFor();
    const rerunOf = page.locator('dd').getByRole('link', { name: failedId });
    await rerunOf.waitFor();
    // a was copied from the original: its panel says so and links back
    await flowNode(page, 'a').click();
    const aPanel = page.getByRole('complementary', { name: 'Node a' });
    await aPanel.getByRole('link', { name: failedId }).waitFor();
    assert.equal(ok.requests.length, 1, 'a was not called again');
    assert.equal(flaky.requests.length, 2, 'd ran again');
    const doc = await callApi(serve.url, adminKey, 'GET', `/api/v1/executions/${rerunId}`);
    assert.equal(doc.body.rerunOf, failedId);
    assert.equal(doc.body.nodes.find((n: { nodeId: string }) => n.nodeId === 'a').reusedFrom, failedId);
    assert.equal(doc.body.nodes.find((n: { nodeId: string }) => n.nodeId === 'd').reusedFrom, null);

    // "Re-run from this node" on the succeeded re-run: from e only, on the latest version
    await flowNode(page, 'e').click();
    const ePanel = page.getByRole('complementary', { name: 'Node e' });
    await ePanel.getByLabel(/workflow version/).selectOption('latest');
    await ePanel.getByRole('button', { name: 'Re-run from this node' }).click();
    await page.waitForURL((u) => !u.pathname.endsWith(rerunId) && !u.pathname.endsWith(failedId));
    await page.locator('.page-head [data-status="succeeded"]').waitFor({ timeout: 30_000 });
    const second = await callApi(serve.url, adminKey, 'GET', `/api/v1/executions/${page.url().split('/').pop()}`);
    assert.equal(second.body.rerunOf, rerunId);
    // reusedFrom names the execution a node really ran in: a and sub still the first one
    const from = Object.fromEntries(second.body.nodes.map((n: { nodeId: string; reusedFrom: string | null }) => [n.nodeId, n.reusedFrom]));
    assert.deepEqual(from, { a: failedId, sub: failedId, d: rerunId, e: null });
    assert.equal(flaky.requests.length, 2, 'd was reused this time');
    await page.close();
  });

  it('a viewer sees no re-run buttons', async () => {
    const page = await browser.context.newPage();
    await signIn(page, serve.url, viewerKey, `/ui/executions/${failedId}`);
    await flowNode(page, 'd').and(page.locator('[data-status="failed"]')).waitFor();
    await flowNode(page, 'd').click();
    await page.getByRole('complementary', { name: 'Node d' }).getByTestId('attempts').waitFor();
    assert.equal(await page.getByRole('button', { name: /Re-run/ }).count(), 0);
    assert.equal(await page.getByRole('combobox', { name: /workflow version/ }).count(), 0);
    await page.close();
  });

  it('a refused re-run reads as a sentence in the page (latest version of a deleted workflow)', async () => {
    const gone = await callApi(serve.url, adminKey, 'POST', '/api/v1/workflows', {
      name: 'soon-gone',
      nodes: [{ id: 'x', type: 'tool', config: { tool: 'core.echo', input: 1 } }],
    });
    const run = await callApi(serve.url, adminKey, 'POST', `/api/v1/workflows/${gone.body.id}/execute`, { wait: true });
    assert.equal(run.body.status, 'succeeded');
    assert.equal((await callApi(serve.url, adminKey, 'DELETE', `/api/v1/workflows/${gone.body.id}`)).status, 204);
    const page = await browser.context.newPage();
    await signIn(page, serve.url, operatorKey, `/ui/executions/${run.body.id}`);
    await flowNode(page, 'x').click();
    const panel = page.getByRole('complementary', { name: 'Node x' });
    await panel.getByLabel(/workflow version/).selectOption('latest');
    await panel.getByRole('button', { name: 'Re-run from this node' }).click();
    const alert = panel.getByRole('alert').filter({ hasText: 'The re-run was refused' });
    await alert.waitFor();
    assert.match(await alert.innerText(), /not found \(deleted\?\)/);
    assert.doesNotMatch(await alert.innerText(), /\{\s*"error"/);
    assert.match(page.url(), new RegExp(`${run.body.id}$`), 'stayed on the page');
    await page.close();
  });

  it('a running map node shows its item progress in the panel, live', async () => {
    const started = await callApi(serve.url, operatorKey, 'POST', `/api/v1/workflows/${mapWf}/execute`, {
      inputs: { list: Array.from({ length: 12 }, (_, i) => i) },
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const page = await browser.context.newPage();
    await signIn(page, serve.url, viewerKey, `/ui/executions/${started.body.executionId}`);
    await flowNode(page, 'fan').and(page.locator('[data-status="running"]')).waitFor();
    await flowNode(page, 'fan').click();
    const progress = page.getByRole('complementary', { name: 'Node fan' }).getByTestId('map-progress');
    await progress.filter({ hasText: /^[1-9]\d* \/ 12 done/ }).waitFor({ timeout: 30_000 });
    await page.locator('.page-head [data-status="succeeded"]').waitFor({ timeout: 30_000 });
    await page.close();
    assert.deepEqual(
      browser.problems.filter((p) => p.startsWith('pageerror') || /Content Security Policy|Refused to/i.test(p)),
      [],
    );
  });
});
