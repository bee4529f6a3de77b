import { loadConfig } from '../../runtime/config/weft-config';
import { buildRuntime, type BuiltRuntime } from '../../runtime/composition/build-runtime';
import { startApi, type ApiHarness } from '../api/support/api-harness';
import { makeTempDir } from './sqlite-temp';
import { waitFor } from './wait-for';
import { postgresUrlOrSkip } from './postgres-server';

const FINAL = ['succeeded', 'failed', 'cancelled', 'partially_succeeded'];

/** An in-process `weft serve` (runtime with its wait poller, API) for the wait tests, and the reads they share. */
export interface WaitsRuntime {
  readonly runtime: BuiltRuntime;
  readonly api: ApiHarness;
  /** The execution document. */
  get: (id: string) => Promise<any>;
  node: (doc: any, id: string) => any;
  /** The direct children's summaries. */
  children: (id: string) => Promise<any[]>;
  /** The document once the execution has ended. */
  ended: (id: string) => Promise<any>;
  /** Sends signal `name` with `payload` and checks it was taken (202). */
  signal: (id: string, name: string, payload: unknown) => Promise<void>;
  /** The `weft_wait` rows of these executions. */
  waitRows: (ids: string[]) => Promise<any[]>;
  /** Executes a saved workflow without waiting (operator key, checked 202); its execution id. */
  startAsync: (workflowId: string) => Promise<string>;
  /** The execution document once `ready(doc)` holds (polled; fails naming `what` after 20 s). */
  whenDoc: (id: string, ready: (doc: any) => boolean, what: string) => Promise<any>;
}

/**
 * Registers before/after hooks in the calling `describe` that start a runtime on a temporary
 * SQLite file or the shared test PostgreSQL (skipping the suite when there is none) with its wait
 * poller and an API on loopback, and stop them after.
 */
export function useWaitsRuntime(dialect: 'sqlite' | 'postgresql'): WaitsRuntime {
  let tmp: ReturnType<typeof makeTempDir> | undefined;
  let runtime: BuiltRuntime | undefined;
  let api: ApiHarness | undefined;
  before(async function () {
    const databaseUrl = dialect === 'postgresql' ? await postgresUrlOrSkip(this) : undefined;
    tmp = makeTempDir();
    const env: Record<string, string> = { WEFT_DATA_DIR: tmp.dir, WEFT_LOG_LEVEL: 'silent' };
    if (databaseUrl) env.DATABASE_URL = databaseUrl;
    runtime = await buildRuntime(loadConfig(env));
    runtime.startWaits();
    api = await startApi({ kernel: runtime.kernel });
  });
  after(async () => {
    await api?.close();
    await runtime?.close();
    tmp?.remove();
  });
  const w: WaitsRuntime = {
    get runtime() {
      return runtime!;
    },
    get api() {
      return api!;
    },
    get: async (id) => (await api!.request('GET', `/api/v1/executions/${id}`)).body,
    node: (doc, id) => doc.nodes.find((n: any) => n.nodeId === id),
    children: async (id) => (await api!.request('GET', `/api/v1/executions/${id}/children`)).body.items,
    ended: (id) =>
      waitFor(
        async () => {
          const doc = await w.get(id);
          return FINAL.includes(doc.status) ? doc : undefined;
        },
        `execution ${id} to end`,
        { timeoutMs: 30_000 },
      ),
    signal: async (id, name, payload) => {
      const s = await api!.request('POST', `/api/v1/executions/${id}/signals/${name}`, { body: { payload } });
      if (s.status !== 202) throw new Error(`signal ${name} to ${id}: ${s.status} ${s.text}`);
    },
    waitRows: (ids) => runtime!.persistence!.executionStore.knex('weft_wait').whereIn('execution_id', ids),
    startAsync: async (workflowId) => {
      const r = await api!.request('POST', `/api/v1/workflows/${workflowId}/execute`, { body: {}, key: api!.keys.operator });
      if (r.status !== 202) throw new Error(`executing ${workflowId}: ${r.status} ${r.text}`);
      return r.body.executionId as string;
    },
    whenDoc: (id, ready, what) =>
      waitFor(
        async () => {
          const doc = await w.get(id);
          return ready(doc) ? doc : undefined;
        },
        what,
        { timeoutMs: 20_000 },
      ),
  };
  return w;
}
