import { spawn } from 'node:child_process';
import path from 'node:path';

export const WEFT_BIN = path.join(__dirname, '..', '..', '..', 'bin', 'weft.js');

export interface WeftResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/weft.js ...args` as a user would (the bin adds --no-node-snapshot itself). */
export function runWeft(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; stdin?: string } = {},
): Promise<WeftResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...options.env };
    for (const k of Object.keys(env)) if (k.startsWith('WEFT_') && !(options.env && k in options.env)) delete env[k];
    const child = spawn(process.execPath, [WEFT_BIN, ...args], { env, cwd: options.cwd ?? path.join(__dirname, '..', '..', '..') });
    let stdout = '';
    let stderr = '';
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
