import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumAvailable, CHROMIUM, launchConsoleBrowser, type ConsoleBrowser } from './console-browser';
import { runWeft } from './run-weft';
import { callApi, startServe, weftEnv, type WeftProcess } from './weft-process';

/** A real `weft serve` on a free port with a key per role, and a headless chromium to drive its console. */
export interface ConsoleServer {
  dir: string;
  serve: WeftProcess & { url: string };
  url: string;
  browser: ConsoleBrowser;
  adminKey: string;
  viewerKey: string;
  operatorKey: string;
  /** Saves a workflow through the API (admin) and returns its id. */
  createWorkflow(definition: object): Promise<string>;
  /** Calls the API with the admin key. */
  api(method: string, apiPath: string, body?: unknown): ReturnType<typeof callApi>;
  close(): Promise<void>;
}

/** The set-up every console browser test shares; `name` keeps the temporary folders apart, `env` adds server settings. */
export async function startConsoleServer(name: string, env: Record<string, string> = {}): Promise<ConsoleServer> {
  if (!chromiumAvailable()) throw new Error(`${CHROMIUM} is missing: run .ci/install-chromium.sh (apt-get install chromium)`);
  const adminKey = `weft-${name}-e2e-admin-key-0123456789`;
  const dir = mkdtempSync(path.join(tmpdir(), `weft-${name}-e2e-`));
  let serve: (WeftProcess & { url: string }) | undefined;
  let browser: ConsoleBrowser | undefined;
  const close = async () => {
    await browser?.close();
    if (serve && serve.child.exitCode === null) {
      const s = serve;
      s.child.kill('SIGTERM');
      await new Promise((r) => s.child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    serve = await startServe(
      weftEnv({ WEFT_DATA_DIR: dir, WEFT_PORT: '0', WEFT_ADMIN_KEY: adminKey, WEFT_SHUTDOWN_DEADLINE_MS: '300', ...env }),
    );
    const key = async (role: string) => {
      const r = await runWeft(['keys', 'create', '--role', role], { env: { WEFT_DATA_DIR: dir } });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim();
    };
    const viewerKey = await key('viewer');
    const operatorKey = await key('operator');
    browser = await launchConsoleBrowser();
    const url = serve.url;
    return {
      dir,
      serve,
      url,
      browser,
      adminKey,
      viewerKey,
      operatorKey,
      async createWorkflow(definition) {
        const r = await callApi(url, adminKey, 'POST', '/api/v1/workflows', definition);
        assert.equal(r.status, 201, JSON.stringify(r.body));
        return r.body.id as string;
      },
      api: (method, apiPath, body) => callApi(url, adminKey, method, apiPath, body),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A node of the React Flow graph (graphs of up to 300 nodes), by its id. */
export const flowNode = (page: Page, id: string) => page.locator(`.flow-node[data-node-id="${id}"]`);
