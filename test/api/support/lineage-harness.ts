import { Kernel, type WeftPlugin } from '../../../core/index';
import toolPlugin from '../../../plugins/tool';
import workflowPlugin from '../../../plugins/workflow/index';
import { loadConfig } from '../../../runtime/config/weft-config';
import { openPersistence, persistenceBindings, type Persistence } from '../../../runtime/persistence/persistence';
import { childExecutionsBinding } from '../../../runtime/children/child-executions.bindings';
import { makeTempDir, type TempDir } from '../../support/sqlite-temp';
import { waitFor } from '../../support/wait-for';
import { startApi, type ApiHarness } from './api-harness';

/** The API over real SQLite persistence with the `workflow` node type and the child-execution service. */
export interface LineageHarness {
  api: ApiHarness;
  kernel: Kernel;
  persistence: Persistence;
  /** Polls `GET /executions/:id` until the execution has finished (bounded). */
  finished(executionId: string, timeoutMs?: number): Promise<any>;
  /** Polls until `pred` holds for the execution document (bounded). */
  until(executionId: string, pred: (doc: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

const TERMINAL = ['succeeded', 'partially_succeeded', 'failed', 'cancelled', 'skipped'];

export async function startLineageHarness(options: { plugins?: WeftPlugin[]; maxDepth?: number } = {}): Promise<LineageHarness> {
  const tmp: TempDir = makeTempDir('weft-lineage-');
  const persistence = await openPersistence(loadConfig({ WEFT_DATA_DIR: tmp.dir }), undefined, { heartbeatMs: 0 });
  const kernel = Kernel.create({
    plugins: [toolPlugin, workflowPlugin, ...(options.plugins ?? [])],
    services: [...persistenceBindings(persistence), childExecutionsBinding({ maxDepth: options.maxDepth ?? 10, available: true })],
  });
  const api = await startApi({ kernel });
  const until = async (id: string, pred: (doc: any) => boolean, timeoutMs = 15_000) => {
    let last = '';
    try {
      return await waitFor(
        async () => {
          const r = await api.request('GET', `/api/v1/executions/${id}`);
          last = r.text.slice(0, 300);
          return r.status === 200 && pred(r.body) ? r.body : undefined;
        },
        `execution ${id} to reach the expected state`,
        { timeoutMs, intervalMs: 20 },
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}: ${last}`);
    }
  };
  return {
    api,
    kernel,
    persistence,
    until,
    finished: (id, timeoutMs) => until(id, (d) => TERMINAL.includes(d.status), timeoutMs),
    async close() {
      await api.close();
      await kernel.stop();
      await persistence.close();
      tmp.remove();
    },
  };
}
