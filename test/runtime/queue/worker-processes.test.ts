import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { systemClock } from '../../../core/services/clock';
import { silentLogger } from '../../../core/services/logger';
import type { WorkflowDefinition } from '../../../core/model/workflow-definition';
import { loadConfig } from '../../../runtime/config/weft-config';
import { openPersistence, type Persistence } from '../../../runtime/persistence/persistence';
import { PgBossExecutionQueue } from '../../../runtime/queue/pg-boss-queue';
import { postgresUrlOrSkip, stopSharedPostgres } from '../../support/postgres-server';
import { waitFor } from '../../support/wait-for';

after(stopSharedPostgres);

const ROOT = path.join(__dirname, '..', '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'weft.js');

const slowMiddle: WorkflowDefinition = {
  name: 'slow-middle',
  nodes: [
    { id: 'fetch', type: 'tool', config: { tool: 'core.echo', input: { n: 1 } } },
    { id: 'crunch', type: 'tool', config: { tool: 'core.sleep', input: { ms: 3000, value: 'crunched' } } },
    { id: 'report', type: 'tool', config: { tool: 'core.echo', input: '{{ nodes.crunch.output }}' } },
  ],
  edges: [
    { from: 'fetch', to: 'crunch' },
    { from: 'crunch', to: 'report' },
  ],
};

function startWorker(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['--no-node-snapshot', BIN, 'worker', '--lease-seconds', '2', '--concurrency', '1'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`weft worker did not start:\n${out}`)), 30_000);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('weft worker started')) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`weft worker exited with ${code}:\n${out}`));
    });
  });
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null || child.signalCode ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );

describe('weft worker processes on PostgreSQL', function () {
  this.timeout(90_000);
  let dir = '';
  let url = '';
  let persistence: Persistence | null = null;
  let queue: PgBossExecutionQueue | null = null;
  const children: ChildProcess[] = [];

  before(async function () {
    url = await postgresUrlOrSkip(this);
    dir = mkdtempSync(path.join(tmpdir(), 'weft-worker-'));
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && !c.signalCode) c.kill('SIGKILL');
    await queue?.stop();
    await persistence?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('SIGKILL one worker mid-execution: the other resumes it without re-running finished nodes', async () => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WEFT_') && k !== 'DATABASE_URL') env[k] = v;
    Object.assign(env, { DATABASE_URL: url, WEFT_DATA_DIR: dir, WEFT_LOG_LEVEL: 'warn' });
    persistence = await openPersistence(loadConfig({ DATABASE_URL: url, WEFT_DATA_DIR: dir }));
    const store = persistence.executionStore;
    const wf = await persistence.workflowStore.create(slowMiddle);
    queue = new PgBossExecutionQueue({
      connectionString: url,
      executionStore: store,
      clock: systemClock,
      logger: silentLogger,
      leaseSeconds: 2,
      maintenanceIntervalSeconds: 1,
    });
    const { executionId } = await queue.enqueueExecution(wf.definition, { workflowId: wf.id, workflowVersion: wf.version, trigger: 'api' });
    await persistence.executionStore.flush();

    const a = await startWorker(env);
    children.push(a.child);
    await waitFor(async () => {
      const nodes = await store.listNodeExecutions(executionId);
      return (
        nodes.some((n) => n.nodeId === 'fetch' && n.status === 'succeeded') &&
        nodes.some((n) => n.nodeId === 'crunch' && n.status === 'running')
      );
    }, 'worker A to be in the middle of the slow node');
    const fetchBefore = (await store.listNodeExecutions(executionId)).find((n) => n.nodeId === 'fetch')!;
    a.child.kill('SIGKILL');
    await exitOf(a.child);

    const b = await startWorker(env);
    children.push(b.child);
    await waitFor(async () => (await store.getExecution(executionId))?.status === 'succeeded', 'worker B to finish the execution', {
      timeoutMs: 40_000,
    });

    const doc = (await store.getExecution(executionId))!;
    const fetchAfter = doc.nodes.find((n) => n.nodeId === 'fetch')!;
    assert.deepEqual(fetchAfter, fetchBefore, 'the finished node was taken as it was, not run again');
    assert.deepEqual(doc.nodes.map((n) => [n.nodeId, n.status]).sort(), [
      ['crunch', 'succeeded'],
      ['fetch', 'succeeded'],
      ['report', 'succeeded'],
    ]);
    assert.equal(doc.nodes.find((n) => n.nodeId === 'report')!.output, 'crunched');

    b.child.kill('SIGTERM');
    assert.equal(await exitOf(b.child), 0, b.output());
  });
});
