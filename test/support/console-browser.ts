import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium (`.ci/install-chromium.sh` installs it); no browser download happens. */
export const CHROMIUM = process.env.WEFT_CHROMIUM ?? '/usr/bin/chromium';

/** Without the background-networking flags chromium keeps trying to reach the internet. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the console tests save their screenshots (gitignored; the README's come from here). */
export const SCREENSHOT_DIR = path.join(__dirname, '..', '..', '..', 'test-output', 'screenshots');

/** A headless chromium with a fresh, empty profile; `close()` removes the profile. */
export interface ConsoleBrowser {
  context: BrowserContext;
  /** Every URL any page of this browser requested, in order. */
  requests: string[];
  /** Every Authorization header value sent, by URL. */
  authorized: Array<{ url: string; authorization: string }>;
  /** Console messages and page errors (CSP violations show up here). */
  problems: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

export async function launchConsoleBrowser(options: { width?: number; height?: number } = {}): Promise<ConsoleBrowser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'weft-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: options.width ?? 1400, height: options.height ?? 900 },
  });
  const requests: string[] = [];
  const authorized: ConsoleBrowser['authorized'] = [];
  const problems: string[] = [];
  context.on('request', (r) => {
    requests.push(r.url());
    const auth = r.headers()['authorization'];
    if (auth) authorized.push({ url: r.url(), authorization: auth });
  });
  const watch = (page: Page) => {
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  };
  context.on('page', watch);
  for (const p of context.pages()) watch(p);
  return {
    context,
    requests,
    authorized,
    problems,
    async newPage() {
      const existing = context.pages().find((p) => p.url() === 'about:blank');
      return existing ?? context.newPage();
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in through the form (Enter submits) and waits for the signed-in shell. */
export async function signIn(page: Page, baseUrl: string, key: string, at = '/ui/'): Promise<void> {
  await page.goto(baseUrl + at);
  await page.getByLabel('API key').fill(key);
  await page.getByLabel('API key').press('Enter');
  await page.getByTestId('role').waitFor();
}
