#!/usr/bin/env node
'use strict';
// isolated-vm needs --no-node-snapshot on Node 20 and later, 22 and 24 included (its 6.x README still
// says so): V8 shares read-only heap data between isolates, and an isolate made from another snapshot
// than Node's own can crash the process. weft arranges the flag itself so users need none.
const hasFlag = process.execArgv.includes('--no-node-snapshot') || /(^|\s)--no-node-snapshot(\s|$)/.test(process.env.NODE_OPTIONS || '');
if (!hasFlag) {
  const { spawn } = require('node:child_process');
  const child = spawn(process.execPath, ['--no-node-snapshot', ...process.execArgv, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
} else {
  const path = require('node:path');
  const dist = path.join(__dirname, '..', 'dist');
  const { buildCli } = require(path.join(dist, 'runtime/cli/cli.js'));
  const commands = [
    'runtime/cli/run.command.js',
    'runtime/cli/rerun.command.js',
    'runtime/cli/validate.command.js',
    'runtime/cli/keys.command.js',
    'runtime/cli/secrets.command.js',
    'runtime/cli/worker.command.js',
    'api/serve.command.js',
  ]
    .map((file) => require(path.join(dist, file)))
    .map((mod) => Object.values(mod).find((v) => v && typeof v.register === 'function'));
  buildCli(commands.filter(Boolean))
    .parseAsync(process.argv)
    .catch((err) => {
      process.stderr.write(`weft: ${err && err.message ? err.message : err}\n`);
      process.exitCode = 1;
    });
}
