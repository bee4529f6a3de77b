import type { ChildProcess } from 'node:child_process';
import { loadConfig } from '../../runtime/config/weft-config';
import { openPersistence, type Persistence } from '../../runtime/persistence/persistence';
import { postgresUrlOrSkip } from './postgres-server';
import { callApi, startServe, startWeft, weftEnv, type WeftProcess } from './weft-process';
import { makeTempDir } from './sqlite-temp';
import { waitFor } from './wait-for';

const FINAL = ['succeeded', 'failed', 'cancelled', 'partially_succeeded'];

/** Queue mode as real processes: its processes (serve first), and calls to its API with the admin key. */
export interface QueueCluster {
  /** `weft serve`, then the workers: a test may stop them (splice them out to take them over). */
  readonly procs: ChildProcess[];
  /** The API's base URL (once the `before` hook started `weft serve`). */
  readonly url: string;
  call: (method: string, path: string, body?: unknown) => ReturnType<typeof callApi>;
  /** The execution document. */
  statusOf: (id: string) => Promise<any>;
  /** The document once the execution has ended. */
  ended: (id: string) => Promise<any>;
  /** Starts one more `weft worker` with the cluster's concurrency (it joins `procs`). */
  startWorker: () => Promise<WeftProcess>;
  /** The cluster's database and data directory opened in the test (no heartbeat), for what the API does not show; close it after. */
  openPersistence: () => Promise<Persistence>;
}

/**
 * Registers before/after hooks in the calling `describe` that start `weft serve` in queue mode on
 * the shared test PostgreSQL (skipping the suite when there is none) and `workers` `weft worker`s
 * running `concurrency` executions each, and SIGKILL whatever still runs after.
 */
export function useQueueCluster(adminKey: string, workers: number, concurrency: number): QueueCluster {
  let tmp: ReturnType<typeof makeTempDir> | null = null;
  let url = '';
  let databaseUrl = '';
  let env: NodeJS.ProcessEnv = {};
  const procs: ChildProcess[] = [];
  const startWorker = async (): Promise<WeftProcess> => {
    const worker = await startWeft(['worker', '--concurrency', String(concurrency)], env, /weft worker started/);
    procs.push(worker.child);
    return worker;
  };
  before(async function () {
    databaseUrl = await postgresUrlOrSkip(this);
    tmp = makeTempDir();
    env = weftEnv({
      DATABASE_URL: databaseUrl,
      WEFT_DATA_DIR: tmp.dir,
      WEFT_EXECUTION_MODE: 'queue',
      WEFT_ADMIN_KEY: adminKey,
      WEFT_PORT: '0',
      WEFT_SHUTDOWN_DEADLINE_MS: '300',
    });
    const serve = await startServe(env);
    procs.push(serve.child);
    url = serve.url;
    for (let i = 0; i < workers; i++) await startWorker();
  });
  after(() => {
    for (const c of procs) if (c.exitCode === null && !c.signalCode) c.kill('SIGKILL');
    tmp?.remove();
  });
  const call: QueueCluster['call'] = (method, path, body) => callApi(url, adminKey, method, path, body);
  const statusOf = async (id: string): Promise<any> => (await call('GET', `/api/v1/executions/${id}`)).body;
  const ended = (id: string): Promise<any> =>
    waitFor(
      async () => {
        const d = await statusOf(id);
        return FINAL.includes(d.status) ? d : undefined;
      },
      `execution ${id} to end`,
      { timeoutMs: 60_000 },
    );
  const open = () => openPersistence(loadConfig({ DATABASE_URL: databaseUrl, WEFT_DATA_DIR: tmp!.dir }), undefined, { heartbeatMs: 0 });
  return {
    procs,
    get url() {
      return url;
    },
    call,
    statusOf,
    ended,
    startWorker,
    openPersistence: open,
  };
}
