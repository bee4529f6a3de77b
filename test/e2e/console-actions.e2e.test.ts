import assert from 'node:assert/strict';
import path from 'node:path';
import { SCREENSHOT_DIR, signIn } from '../support/console-browser';
import { flowNode, startConsoleServer, type ConsoleServer } from '../support/console-server';
import { waitFor } from '../support/wait-for';

// evaluated in the page, where these exist (this project's tsconfig has no DOM lib)
declare const window: any;

/** `approve` waits for the signal `approve`; `ship` echoes its payload. */
const APPROVAL = {
  name: 'approval',
  nodes: [
    { id: 'prepare', type: 'tool', config: { tool: 'core.echo', input: { n: 1 } } },
    { id: 'approve', type: 'wait', config: { signal: 'approve' } },
    { id: 'ship', type: 'tool', config: { tool: 'core.echo', input: '{{ nodes.approve.output.payload }}' } },
  ],
  edges: [
    { from: 'prepare', to: 'approve' },
    { from: 'approve', to: 'ship' },
  ],
  outputs: { shipped: '{{ nodes.ship.output }}' },
};

/** The console's signal button, the pinned version's graph and the URL-kept filters, in headless chromium against a real `weft serve`. */
describe('web console: signals, pinned versions, filters in the URL (headless chromium, weft serve)', function () {
  this.timeout(90_000);
  let server: ConsoleServer;
  let approval: string;

  before(async () => {
    server = await startConsoleServer('console-actions');
    approval = await server.createWorkflow(APPROVAL);
  });
  after(() => server?.close());

  it("an operator sends a signal with a payload from the node panel; the execution finishes and the node shows the payload; the graph is the pinned version's", async () => {
    const run = await server.api('POST', `/api/v1/workflows/${approval}/execute`, { wait: true });
    assert.equal(run.body.status, 'waiting', JSON.stringify(run.body));
    const id: string = run.body.id;
    // version 2 renames `ship` to `deliver`: the page of the version-1 execution still draws `ship`
    const v2 = {
      ...APPROVAL,
      nodes: [...APPROVAL.nodes.slice(0, 2), { ...APPROVAL.nodes[2]!, id: 'deliver' }],
      edges: [APPROVAL.edges[0], { from: 'approve', to: 'deliver' }],
      outputs: {},
    };
    assert.equal((await server.api('PUT', `/api/v1/workflows/${approval}`, v2)).status, 200);

    const page = await server.browser.context.newPage();
    // a viewer sees the waiting node but no button to signal it
    await signIn(page, server.url, server.viewerKey, `/ui/executions/${id}`);
    await flowNode(page, 'approve').and(page.locator('[data-status="waiting"]')).waitFor();
    await flowNode(page, 'approve').click();
    await page.getByRole('complementary', { name: 'Node approve' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Send signal' }).count(), 0);
    await page.getByRole('button', { name: 'Sign out' }).click();

    await signIn(page, server.url, server.operatorKey, `/ui/executions/${id}`);
    await flowNode(page, 'approve').and(page.locator('[data-status="waiting"]')).waitFor();
    assert.equal(await flowNode(page, 'ship').getAttribute('data-status'), 'pending', "the pinned version's node, not yet run");
    assert.equal(await flowNode(page, 'deliver').count(), 0, "the current version's node is not drawn");
    assert.equal(await page.locator('.react-flow__edge').count(), 2);
    await page.evaluate(() => (window.__noReload = true));
    await flowNode(page, 'approve').click();
    const panel = page.getByRole('complementary', { name: 'Node approve' });
    await panel.getByRole('button', { name: 'Send signal' }).click();
    const dialog = page.getByRole('dialog', { name: /Send signal/ });
    await dialog.getByLabel('Payload (JSON, optional)').fill('{ "by": "console", "ticket": 42');
    await dialog.getByRole('button', { name: 'Send' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'Check the JSON' }).waitFor();
    await dialog.getByLabel('Payload (JSON, optional)').fill('{ "by": "console", "ticket": 42 }');
    assert.equal(await dialog.getByRole('alert').count(), 0, 'an edit clears the complaint');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'signal-dialog.png') });
    await dialog.getByRole('button', { name: 'Send' }).click();
    await dialog.waitFor({ state: 'hidden' });

    await page.locator('.page-head [data-status="succeeded"]').waitFor({ timeout: 30_000 });
    await flowNode(page, 'ship').and(page.locator('[data-status="succeeded"]')).waitFor();
    assert.equal(await page.evaluate(() => window.__noReload), true, 'followed live, no reload');
    // the panel (still open) shows the wait node's output: the signal's payload
    const output = panel.locator('section', { has: page.getByRole('heading', { name: 'Output' }) });
    await output.getByText('"console"').waitFor();
    assert.match(await output.innerText(), /signal:\s*"approve"/);
    assert.match(await output.innerText(), /ticket:\s*42/);
    assert.equal(await panel.getByRole('button', { name: 'Send signal' }).count(), 0, 'no signal button once it ended');
    const doc = await server.api('GET', `/api/v1/executions/${id}`);
    assert.equal(doc.body.status, 'succeeded');
    assert.deepEqual(doc.body.outputs, { shipped: { by: 'console', ticket: 42 } });
    await page.close();
  });

  it("keeps the executions page's filters in the URL: a reload keeps them and Back returns to the previous ones", async () => {
    const failing = await server.createWorkflow({
      name: 'fails',
      nodes: [{ id: 'x', type: 'adapter', config: { transform: 'code', input: 1, code: "throw new Error('no')" } }],
    });
    const failed = await server.api('POST', `/api/v1/workflows/${failing}/execute`, { wait: true });
    assert.equal(failed.body.status, 'failed', JSON.stringify(failed.body));
    // and one that succeeds, so the test stands alone (`--grep`)
    const fine = await server.createWorkflow({ name: 'fine', nodes: [{ id: 'y', type: 'tool', config: { tool: 'core.echo', input: 1 } }] });
    assert.equal((await server.api('POST', `/api/v1/workflows/${fine}/execute`, { wait: true })).body.status, 'succeeded');
    const page = await server.browser.context.newPage();
    await signIn(page, server.url, server.viewerKey, '/ui/executions');
    const rows = page.getByRole('table', { name: 'Execution list' }).locator('tbody tr[data-execution-id]');
    const listed = () => rows.evaluateAll((trs) => trs.map((tr: any) => tr.getAttribute('data-execution-id') as string));
    await waitFor(async () => (await listed()).length >= 2, 'both executions listed', { timeoutMs: 20_000 });

    await page.getByLabel('Status').selectOption('failed');
    await page.waitForURL(/\/ui\/executions\?status=failed$/);
    await waitFor(async () => ((await listed()).join() === failed.body.id ? true : undefined), 'only the failed execution');
    await page.getByLabel('Trigger').selectOption('api');
    await page.waitForURL(/\?status=failed&trigger=api$/);

    await page.reload();
    await page.getByTestId('role').waitFor();
    assert.equal(await page.getByLabel('Status').inputValue(), 'failed');
    assert.equal(await page.getByLabel('Trigger').inputValue(), 'api');
    await waitFor(async () => ((await listed()).join() === failed.body.id ? true : undefined), 'the failed execution after the reload');

    await page.goBack();
    await page.waitForURL(/\/ui\/executions\?status=failed$/);
    assert.equal(await page.getByLabel('Trigger').inputValue(), '');
    assert.equal(await page.getByLabel('Status').inputValue(), 'failed');
    await page.goBack();
    await page.waitForURL(/\/ui\/executions$/);
    assert.equal(await page.getByLabel('Status').inputValue(), '');
    await waitFor(async () => (await listed()).length >= 2, 'every execution again');
    await page.close();
  });

  it("shows an execution's priority and concurrency key on its page and in the executions list", async () => {
    const limited = await server.createWorkflow({
      name: 'prioritised',
      settings: { concurrency: { limit: 2, key: 'tenant-{{ inputs.tenant }}' } },
      nodes: [{ id: 'z', type: 'tool', config: { tool: 'core.echo', input: 1 } }],
    });
    const run = await server.api('POST', `/api/v1/workflows/${limited}/execute`, { wait: true, priority: 8, inputs: { tenant: 'acme' } });
    assert.equal(run.body.status, 'succeeded', JSON.stringify(run.body));
    const page = await server.browser.context.newPage();
    await signIn(page, server.url, server.viewerKey, `/ui/executions/${run.body.id}`);
    const facts = page.locator('dl.facts');
    await facts.getByText('Priority').waitFor();
    assert.equal(await facts.locator('dd.priority').innerText(), '8');
    assert.match(await facts.innerText(), /Concurrency key\s+tenant-acme/);

    await page.goto(`${server.url}/ui/executions`);
    const row = page.locator(`tbody tr[data-execution-id="${run.body.id}"]`);
    await row.waitFor();
    assert.equal((await row.locator('td.priority').innerText()).trim(), '8 tenant-acme');
    assert.ok(await page.getByRole('columnheader', { name: 'Priority' }).isVisible());
    await page.close();
  });
});
