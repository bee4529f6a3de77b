import type { ScheduleDefinition, WorkflowDefinition } from '../model/workflow-definition';

/** A saved workflow (its current version's definition included). */
export interface WorkflowRecord {
  id: string;
  name: string;
  version: number;
  definition: WorkflowDefinition;
  schedule: ScheduleDefinition | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * Saved workflows and their immutable versions. Validation happens before these calls.
 */
export interface WorkflowStore {
  /** Creates a workflow at version 1. */
  create(definition: WorkflowDefinition, id?: string): Promise<WorkflowRecord>;
  /** Adds a new version and makes it current; NotFoundError when missing. */
  update(id: string, definition: WorkflowDefinition): Promise<WorkflowRecord>;
  /** Deletes the workflow (its executions stay readable); NotFoundError when missing. */
  delete(id: string): Promise<void>;
  get(id: string): Promise<WorkflowRecord | null>;
  /** A specific version's definition (executions pin versions). */
  getVersion(id: string, version: number): Promise<WorkflowDefinition | null>;
  list(options: { limit: number; cursor?: string }): Promise<{ items: WorkflowRecord[]; nextCursor: string | null }>;
  /** Every workflow that has a schedule (scheduler start). */
  listScheduled(): Promise<WorkflowRecord[]>;
}
