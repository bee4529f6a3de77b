import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { Tokens } from '../core/index';
import { createApp } from '../api/create-app';
import { CONSOLE_DIR } from '../api/console/console.middleware';
import { listenApp } from '../api/listen-app';
import { loadConfig } from '../runtime/config/weft-config';
import { buildRuntime } from '../runtime/composition/build-runtime';
import { chromiumAvailable, CHROMIUM, launchConsoleBrowser, SCREENSHOT_DIR } from '../test/support/console-browser';
import { fmt, median, report } from './bench-stats';

// evaluated in the page (this project's tsconfig has no DOM lib)
declare const document: any, sessionStorage: any, performance: any, requestAnimationFrame: any;

/** A layered DAG of core.echo nodes: node i waits for node i − width (`width` lanes). */
function layered(n: number, width: number): object {
  const nodes = Array.from({ length: n }, (_, i) => ({ id: `n${i}`, type: 'tool', config: { tool: 'core.echo', input: { i } } }));
  const edges = [];
  for (let i = width; i < n; i++) edges.push({ from: `n${i - width}`, to: `n${i}` });
  return { name: `bench-${n}`, settings: { maxParallel: 50 }, nodes, edges };
}

/**
 * The web console in headless chromium: navigation → fully drawn execution page for a 1,000-node
 * and a 10,000-node execution (recorded through the API on SQLite), how long the tab takes to
 * answer input afterwards (a click on a node until its panel shows, and the event-loop delay),
 * and the gzipped size of what the first page loads.
 */
export async function run(): Promise<void> {
  console.log('\n## console: web console in headless chromium (SQLite, loopback)');
  bundleSize();
  if (!chromiumAvailable()) {
    console.log(`  ${CHROMIUM} missing: page timings skipped (apt-get install chromium)`);
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-console-bench-'));
  const config = loadConfig({
    WEFT_DATA_DIR: dir,
    WEFT_LOG_LEVEL: 'silent',
    WEFT_MAX_BODY_BYTES: String(64 * 1024 * 1024),
    WEFT_RATE_LIMIT_PER_MINUTE: '100000000',
  });
  const runtime = await buildRuntime(config);
  const weft = createApp({ kernel: runtime.kernel, config, logger: runtime.logger });
  const server = await listenApp(weft, 0, '127.0.0.1');
  const browser = await launchConsoleBrowser({ width: 1400, height: 900 });
  try {
    const key = (await runtime.kernel.get(Tokens.ApiKeyStore).create('admin', { name: 'bench' })).key;
    const call = async (method: string, p: string, body?: unknown) => {
      const r = await fetch(server.url + p, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${(await r.text()).slice(0, 300)}`);
      return r.json() as Promise<any>;
    };
    for (const [n, runs, target] of [
      [1_000, 5, 1_000],
      [10_000, 3, 5_000],
    ] as const) {
      const wf = await call('POST', '/api/v1/workflows', layered(n, n >= 10_000 ? 50 : 10));
      const t0 = Date.now();
      const doc = await call('POST', `/api/v1/workflows/${wf.id}/execute`, { wait: true });
      if (doc.status !== 'succeeded') throw new Error(`the ${n}-node execution ended ${doc.status}`);
      console.log(`  (recorded a ${n.toLocaleString()}-node execution in ${fmt((Date.now() - t0) / 1000, 1)} s)`);
      const drawn: number[] = [];
      const clicks: number[] = [];
      const loopDelays: number[] = [];
      for (let i = 0; i < runs; i++) {
        const page = await browser.context.newPage();
        await page.goto(`${server.url}/ui/`);
        await page.evaluate((k: string) => sessionStorage.setItem('weft.apiKey', k), key);
        const cdp = process.env.WEFT_BENCH_PROFILE && i === 0 ? await page.context().newCDPSession(page) : null;
        const profiling = process.env.WEFT_BENCH_PROFILE;
        if (cdp && profiling === 'load') {
          await cdp.send('Profiler.enable');
          await cdp.send('Profiler.start');
        }
        await page.goto(`${server.url}/ui/executions/${doc.id}`);
        await page.waitForFunction(() => document.body.hasAttribute('data-graph-drawn'), undefined, { timeout: 60_000, polling: 16 });
        drawn.push(Number(await page.evaluate(() => document.body.getAttribute('data-graph-drawn'))));
        if (cdp && profiling === 'click') {
          await page
            .locator(n > 300 ? '.node-list-row' : '.flow-node')
            .nth(3)
            .waitFor();
          await cdp.send('Profiler.enable');
          await cdp.send('Profiler.start');
          console.log(`    click → panel ${fmt(await clickToPanel(page, n), 0)} ms (profiled)`);
        }
        if (cdp) {
          const { profile } = await cdp.send('Profiler.stop');
          const self = new Map<string, number>();
          const dt = new Map<number, number>();
          (profile.samples ?? []).forEach((id: number, k: number) => dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas?.[k] ?? 0)));
          for (const nd of profile.nodes) {
            const f = nd.callFrame;
            const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
            self.set(key, (self.get(key) ?? 0) + (dt.get(nd.id) ?? 0) / 1000);
          }
          console.log(
            [...self.entries()]
              .sort((a, b) => b[1] - a[1])
              .slice(0, 15)
              .map(([k, v]) => `    ${v.toFixed(0)} ms ${k}`)
              .join('\n'),
          );
        }
        if (i === 0) {
          const marks: Array<[string, number]> = await page.evaluate(() =>
            performance.getEntriesByType('mark').map((m: any) => [m.name, Math.round(m.startTime)]),
          );
          console.log(
            `  (first run, ms since navigation: ${marks.map(([k, v]) => `${k.replace('weft:', '')} ${v}`).join(', ')}, drawn ${Math.round(drawn[0]!)})`,
          );
        }
        clicks.push(await clickToPanel(page, n));
        if (i === 0) {
          mkdirSync(SCREENSHOT_DIR, { recursive: true });
          await page.screenshot({ path: path.join(SCREENSHOT_DIR, `execution-${n}-nodes.png`) });
        }
        loopDelays.push(await maxLoopDelay(page));
        await page.close();
      }
      const d = median(drawn);
      report(`${n.toLocaleString()} nodes: navigation → graph drawn (median of ${runs})`, `${fmt(d, 0)} ms`, `< ${target} ms`, d < target);
      const c = median(clicks);
      report(`${n.toLocaleString()} nodes: click a node → its panel shown`, `${fmt(c, 0)} ms`, '< 100 ms', c < 100);
      const l = median(loopDelays);
      report(`${n.toLocaleString()} nodes: worst main-thread delay in the 1 s after drawing`, `${fmt(l, 0)} ms`, '< 100 ms', l < 100);
    }
  } finally {
    await browser.close();
    await server.close(1_000);
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Clicks a node (a React Flow node, or a row of the big graph's node list) and times, in the page, until its panel is painted. */
async function clickToPanel(page: Page, n: number): Promise<number> {
  const selector = n > 300 ? '.node-list-row' : '.flow-node';
  await page.locator(selector).nth(3).waitFor();
  return page.evaluate(async (sel: string) => {
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    const el = document.querySelectorAll(sel)[3];
    document.querySelector('.node-panel .panel-head button')?.click(); // a panel left open
    await frame();
    const t = performance.now();
    el.click();
    while (!document.querySelector('aside.node-panel')) await frame();
    await frame(); // painted
    return performance.now() - t;
  }, selector);
}

/** The longest a zero-delay timer waited during one second: how late the tab would answer input. */
function maxLoopDelay(page: Page): Promise<number> {
  return page.evaluate(async () => {
    let worst = 0;
    const end = performance.now() + 1000;
    while (performance.now() < end) {
      const t = performance.now();
      await new Promise((r) => setTimeout(r, 0));
      worst = Math.max(worst, performance.now() - t);
    }
    return worst;
  });
}

/** Gzipped bytes of what index.html loads (the first page), and of the execution page's lazy chunk. */
function bundleSize(): void {
  let html: string;
  try {
    html = readFileSync(path.join(CONSOLE_DIR, 'index.html'), 'utf8');
  } catch {
    console.log('  the console is not built (npm run build): bundle size skipped');
    return;
  }
  const files = [...html.matchAll(/(?:src|href)="\/ui\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
  const gz = (f: string) => gzipSync(readFileSync(path.join(CONSOLE_DIR, f))).length;
  const first = files.reduce((s, f) => s + gz(f), 0) + gzipSync(html).length;
  report('first page (index.html + its JS and CSS), gzipped', `${fmt(first / 1024, 1)} KB`, '< 300 KB', first < 300 * 1024);
  const assets = readdirSync(path.join(CONSOLE_DIR, 'assets'));
  for (const [prefix, what] of [
    ['execution-page', 'execution page chunk (loaded on demand; big graphs need nothing more)'],
    ['dag-view', 'React Flow + dagre chunk (loaded for graphs of 300 nodes or fewer)'],
  ]) {
    const bytes = assets.filter((f) => f.startsWith(prefix!)).reduce((s, f) => s + gz(`assets/${f}`), 0);
    report(`${what}, gzipped`, `${fmt(bytes / 1024, 1)} KB`);
  }
}
