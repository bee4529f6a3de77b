import type { ExecutionDocument, ExecutionLineage, NodeExecutionRecord } from '../model/execution-document';
import type { ExecutionStore } from '../store/execution-store';
import type { EventBus } from '../events/event-bus';
import type { Clock } from '../services/clock';
import type { Logger } from '../services/logger';
import type { SecretStore } from '../secrets/secret-store';

/** The services and limits one execution runs with. */
export interface ExecutionRunDeps {
  store: ExecutionStore;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  maxParallel: number;
  maxOutputBytes: number;
  /** Where `{{ secrets.NAME }}` values come from (null: none exist). */
  secrets: SecretStore | null;
}

/** What identifies one execution, and what an earlier run of it left (resume). */
export interface ExecutionRunInit extends ExecutionLineage {
  id: string;
  workflowId: string;
  workflowVersion: number;
  trigger: ExecutionDocument['trigger'];
  inputs: Record<string, unknown>;
  idempotencyKey: string | null;
  startedAt: string;
  /** 0–9 (default 5): shown on the document. */
  priority?: number;
  /**
   * Node records a node is not run again for: those an earlier run of this execution recorded
   * (resume). A re-run seeds the nodes it copies from the original the same way.
   */
  resumed?: readonly NodeExecutionRecord[];
  /** The last event number an earlier run of this execution used (resume): events number on from it. */
  eventSeq?: number;
  /** Nodes a wake ended for this resume: their events are published as the run takes them. */
  woke?: readonly string[];
  /** Secrets the execution counts as used before any node reads one (its triggers'): redacted from the start. */
  usedSecrets?: Readonly<Record<string, string>>;
}

/** Why an execution stopped early (null while it has not). */
export type StopKind = 'failed' | 'cancelled' | 'interrupted';
