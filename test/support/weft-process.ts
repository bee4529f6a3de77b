import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The `weft` bin of this checkout. */
export const WEFT_BIN = path.join(__dirname, '..', '..', '..', 'bin', 'weft.js');

/** A `weft` process started by a test; kill what is left in an `after` hook. */
export interface WeftProcess {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output: () => string;
}

/** The env of a weft process: only what the test sets (no stray WEFT_* or DATABASE_URL from the caller). */
export function weftEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WEFT_') && k !== 'DATABASE_URL') env[k] = v;
  return { ...env, WEFT_LOG_LEVEL: 'warn', ...extra };
}

/** Spawns `weft ...args` and resolves once its output matches `ready` (with the match). */
export function startWeft(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs = 30_000,
  nodeArgs: string[] = [],
): Promise<WeftProcess & { match: RegExpExecArray }> {
  const child = spawn(process.execPath, ['--no-node-snapshot', ...nodeArgs, WEFT_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`weft ${args[0]} did not start:\n${out}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, output: () => out, match });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`weft ${args[0]} exited with ${code}:\n${out}`));
    });
  });
}

/** Spawns `weft serve` and resolves once it prints `weft listening on <url>` (`nodeArgs`: flags for node itself, e.g. `--cpu-prof`). */
export async function startServe(env: NodeJS.ProcessEnv, timeoutMs?: number, nodeArgs?: string[]): Promise<WeftProcess & { url: string }> {
  const started = await startWeft(['serve'], env, /weft listening on (http:\/\/\S+)/, timeoutMs, nodeArgs);
  return { child: started.child, output: started.output, url: started.match[1]! };
}

/** Resolves with the exit code once the process has exited. */
export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );
}

/** One JSON call to a weft API with a bearer key: the status and the parsed body (undefined when empty). */
export async function callApi(
  baseUrl: string,
  key: string,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(baseUrl + p, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
