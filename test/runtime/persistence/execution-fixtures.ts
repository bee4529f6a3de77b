import { v7 as uuidv7 } from 'uuid';
import type { ExecutionStartRecord } from '../../../core/store/execution-store';
import type { NodeExecutionRecord } from '../../../core/model/execution-document';
import type { WorkflowDefinition } from '../../../core/model/workflow-definition';
import type { Persistence } from '../../../runtime/persistence/persistence';
import type { SqlBatchDriver } from '../../../runtime/persistence/sql-batch';

/** A start record for `workflowId` (new UUIDv7 id unless given). */
export function startRecord(workflowId: string, extra: Partial<ExecutionStartRecord> = {}): ExecutionStartRecord {
  return {
    id: uuidv7(),
    workflowId,
    workflowVersion: 1,
    trigger: 'api',
    inputs: { n: 1 },
    idempotencyKey: null,
    startedAt: new Date().toISOString(),
    ...extra,
  };
}

/** A finished (succeeded) node record. */
export function nodeDone(nodeId: string, output: unknown = { ok: nodeId }, extra: Partial<NodeExecutionRecord> = {}): NodeExecutionRecord {
  const startedAt = new Date(Date.now() - 5).toISOString();
  return {
    nodeId,
    status: 'succeeded',
    attempts: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    durationMs: 5,
    output,
    error: null,
    recoveredBy: null,
    skipReason: null,
    reusedFrom: null,
    ...extra,
  };
}

/** A running node record. */
export function nodeRunning(nodeId: string): NodeExecutionRecord {
  return {
    nodeId,
    status: 'running',
    attempts: 1,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    output: null,
    error: null,
    recoveredBy: null,
    skipReason: null,
    reusedFrom: null,
  };
}

/** A chain definition a → b → c ... of `type` nodes. */
export function chainDefinition(
  name: string,
  ids: string[],
  type = 'echo',
  config: (id: string) => Record<string, unknown> = (id) => ({ value: id }),
): WorkflowDefinition {
  return {
    name,
    nodes: ids.map((id) => ({ id, type, config: config(id) })),
    edges: ids.slice(1).map((id, i) => ({ from: ids[i]!, to: id })),
  };
}

/** Counts the commits of a store's writer (wraps the real driver). */
export function countCommits(p: Persistence): { readonly count: number } {
  const driver = (p.executionStore.writer as unknown as { driver: SqlBatchDriver }).driver;
  const original = driver.commit.bind(driver);
  const counter = { count: 0 };
  driver.commit = (ops, rows) => {
    counter.count++;
    return original(ops, rows);
  };
  // SQLite commits within the call when it can
  const originalSync = driver.commitSync?.bind(driver);
  if (originalSync) {
    driver.commitSync = (ops, rows) => {
      const results = originalSync(ops, rows);
      counter.count++;
      return results;
    };
  }
  return counter;
}
