/**
 * Child process of the crash-recovery test (run with `node --no-node-snapshot`):
 *   run <dataDir> <logFile>      saves and runs a chain of 6 slow nodes (300 ms each, each
 *                                appending its id to <logFile>); prints `started <id>` at start
 *   recover <dataDir>            opens the same database, recovers interrupted executions, waits
 *                                for them and prints `recovered <json>`
 */
import { loadConfig } from '../../runtime/config/weft-config';
import { openPersistence, persistenceBindings } from '../../runtime/persistence/persistence';
import { Kernel } from '../../core/kernel/kernel';
import type { WorkflowDefinition } from '../../core/model/workflow-definition';
import { persistenceTestPlugin } from './persistence-test-plugin';

export const CRASH_NODES = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'];

function slowChain(log: string): WorkflowDefinition {
  return {
    name: 'crash-chain',
    nodes: CRASH_NODES.map((id) => ({ id, type: 'sleep', config: { ms: 300, log, value: { done: id } } })),
    edges: CRASH_NODES.slice(1).map((id, i) => ({ from: CRASH_NODES[i]!, to: id })),
    outputs: { last: '{{ nodes.n6.output }}' },
  };
}

async function main(): Promise<void> {
  const [mode, dataDir, log] = process.argv.slice(2);
  const p = await openPersistence(loadConfig({ WEFT_DATA_DIR: dataDir! }));
  const kernel = Kernel.create({ plugins: [persistenceTestPlugin()], services: persistenceBindings(p) });
  if (mode === 'run') {
    const saved = await p.workflowStore.create(slowChain(log!));
    const handle = await kernel.executor.start(saved.definition, { workflowId: saved.id, workflowVersion: saved.version });
    process.stdout.write(`started ${handle.executionId}\n`);
    await handle.done;
  } else if (mode === 'recover') {
    const report = await p.recover(kernel.executor);
    const docs = await Promise.all(report.resumed.map((h) => h.done));
    process.stdout.write(
      `recovered ${JSON.stringify({ resumed: docs.map((d) => ({ id: d.id, status: d.status })), interrupted: report.interrupted })}\n`,
    );
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  await kernel.stop();
  await p.close();
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
