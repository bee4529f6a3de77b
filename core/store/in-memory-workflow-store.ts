import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { ConflictError, NotFoundError, ValidationError } from '../errors/weft-error';
import type { WorkflowDefinition } from '../model/workflow-definition';
import { CursorCodec } from './cursor-codec';
import type { WorkflowRecord, WorkflowStore } from './workflow-store';

/** Workflow ids: `wf_` plus a time-ordered UUIDv7 when generated; given ids use these characters. */
export const WORKFLOW_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const MAX_WORKFLOW_PAGE = 200;

/** A new workflow id, `wf_<uuidv7>` (time-ordered, so listing by id is listing by creation). */
export function newWorkflowId(): string {
  return `wf_${uuidv7()}`;
}

/** Checks a given workflow id; ValidationError otherwise. */
export function checkWorkflowId(id: unknown): string {
  if (typeof id !== 'string' || !WORKFLOW_ID_PATTERN.test(id)) {
    throw new ValidationError('workflow id must be 1-64 characters of A-Z a-z 0-9 _ . -', {
      details: [{ path: 'id', message: 'invalid id' }],
    });
  }
  return id;
}

/** Checks a page size for workflow listing. */
export function checkWorkflowPageLimit(limit: unknown): number {
  if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > MAX_WORKFLOW_PAGE) {
    throw new ValidationError(`limit must be an integer from 1 to ${MAX_WORKFLOW_PAGE}`, {
      details: [{ path: 'limit', message: 'out of range' }],
    });
  }
  return limit as number;
}

interface Stored {
  versions: WorkflowDefinition[];
  createdAt: string;
  updatedAt: string;
  deleted: boolean;
}

/**
 * The in-memory {@link WorkflowStore}: same behaviour as the SQL one (versions kept after delete,
 * newest first listing with a signed cursor), nothing survives the process.
 */
export class InMemoryWorkflowStore implements WorkflowStore {
  private readonly workflows = new Map<string, Stored>();
  private readonly cursors = new CursorCodec(randomBytes(32));

  async create(definition: WorkflowDefinition, id?: string): Promise<WorkflowRecord> {
    const wid = id === undefined ? newWorkflowId() : checkWorkflowId(id);
    const now = new Date().toISOString();
    const existing = this.workflows.get(wid);
    if (existing && !existing.deleted) throw new ConflictError(`workflow ${wid} already exists`);
    if (existing) {
      // a deleted id comes back with its version numbers continuing: old executions keep their pins
      Object.assign(existing, { deleted: false, createdAt: now, updatedAt: now });
      existing.versions.push(clone(definition));
    } else {
      this.workflows.set(wid, { versions: [clone(definition)], createdAt: now, updatedAt: now, deleted: false });
    }
    return this.record(wid)!;
  }

  async update(id: string, definition: WorkflowDefinition): Promise<WorkflowRecord> {
    const w = this.live(id);
    if (!w) throw new NotFoundError(`workflow ${String(id).slice(0, 64)} not found`);
    w.versions.push(clone(definition));
    w.updatedAt = new Date().toISOString();
    return this.record(id)!;
  }

  async delete(id: string): Promise<void> {
    const w = this.live(id);
    if (!w) throw new NotFoundError(`workflow ${String(id).slice(0, 64)} not found`);
    w.deleted = true;
  }

  async get(id: string): Promise<WorkflowRecord | null> {
    return this.live(id) ? this.record(id) : null;
  }

  async getVersion(id: string, version: number): Promise<WorkflowDefinition | null> {
    const d = this.workflows.get(id)?.versions[version - 1];
    return d ? clone(d) : null;
  }

  async list(options: { limit: number; cursor?: string }): Promise<{ items: WorkflowRecord[]; nextCursor: string | null }> {
    const limit = checkWorkflowPageLimit(options.limit);
    const before = options.cursor === undefined ? null : this.cursors.decode(options.cursor, 'workflows');
    const ids = [...this.workflows.keys()]
      .filter((id) => !this.workflows.get(id)!.deleted && (before === null || id < before))
      .sort()
      .reverse();
    const items = ids.slice(0, limit).map((id) => this.record(id)!);
    return { items, nextCursor: ids.length > limit ? this.cursors.encode(items[items.length - 1]!.id, 'workflows') : null };
  }

  async listScheduled(): Promise<WorkflowRecord[]> {
    return [...this.workflows.keys()].map((id) => this.record(id)!).filter((r) => r.schedule && !this.workflows.get(r.id)!.deleted);
  }

  private live(id: string): Stored | null {
    const w = typeof id === 'string' ? this.workflows.get(id) : undefined;
    return w && !w.deleted ? w : null;
  }

  private record(id: string): WorkflowRecord | null {
    const w = this.workflows.get(id);
    if (!w) return null;
    const definition = clone(w.versions[w.versions.length - 1]!);
    return {
      id,
      name: definition.name,
      version: w.versions.length,
      definition,
      schedule: definition.schedule ?? null,
      createdAt: w.createdAt,
      updatedAt: w.updatedAt,
    };
  }
}

function clone<T>(value: T): T {
  return structuredClone(value);
}
