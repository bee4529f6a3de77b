import type { Knex } from '@mikro-orm/knex';
import { ConflictError, NotFoundError } from '../../core/errors/weft-error';
import type { WorkflowDefinition } from '../../core/model/workflow-definition';
import type { WorkflowRecord, WorkflowStore } from '../../core/store/workflow-store';
import { checkWorkflowId, checkWorkflowPageLimit, newWorkflowId } from '../../core/store/in-memory-workflow-store';
import { CursorCodec } from '../../core/store/cursor-codec';
import { fromJson, isUniqueViolation, msToIso } from './sql-codec';

const RECORD_COLUMNS = ['w.id', 'w.name', 'w.current_version', 'w.created_at', 'w.updated_at', 'v.definition'];

/**
 * The {@link WorkflowStore} on SQLite or PostgreSQL. Versions are immutable rows; an update adds
 * one and bumps `current_version`; delete marks the workflow deleted and keeps its versions, so
 * executions that pinned them stay readable and resumable. A deleted id can be created again:
 * its version numbers continue.
 */
export class SqlWorkflowStore implements WorkflowStore {
  private readonly cursors: CursorCodec;

  constructor(
    private readonly knex: Knex,
    cursorSecret: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    this.cursors = new CursorCodec(cursorSecret);
  }

  async create(definition: WorkflowDefinition, id?: string): Promise<WorkflowRecord> {
    const wid = id === undefined ? newWorkflowId() : checkWorkflowId(id);
    return this.retryOnRace(() =>
      this.knex.transaction(async (trx) => {
        const existing = await trx('workflow').where({ id: wid }).first('deleted_at');
        if (existing && existing.deleted_at === null) throw new ConflictError(`workflow ${wid} already exists`);
        const last = await trx('workflow_version').where({ workflow_id: wid }).max({ v: 'version' }).first();
        const version = Number(last?.v ?? 0) + 1;
        const now = this.now();
        await trx('workflow_version').insert({ workflow_id: wid, version, definition: JSON.stringify(definition), created_at: now });
        const row = {
          name: definition.name,
          current_version: version,
          schedule: scheduleJson(definition),
          created_at: now,
          updated_at: now,
          deleted_at: null,
        };
        if (existing) await trx('workflow').where({ id: wid }).update(row);
        else await trx('workflow').insert({ id: wid, ...row });
        return record(wid, version, definition, now, now);
      }),
    );
  }

  async update(id: string, definition: WorkflowDefinition): Promise<WorkflowRecord> {
    return this.retryOnRace(() =>
      this.knex.transaction(async (trx) => {
        const wf =
          typeof id === 'string' ? await trx('workflow').where({ id, deleted_at: null }).first('current_version', 'created_at') : null;
        if (!wf) throw new NotFoundError(`workflow ${String(id).slice(0, 64)} not found`);
        const version = Number(wf.current_version) + 1;
        const now = this.now();
        // two concurrent updates insert the same (id, version): the loser hits the primary key and retries
        await trx('workflow_version').insert({ workflow_id: id, version, definition: JSON.stringify(definition), created_at: now });
        await trx('workflow')
          .where({ id })
          .update({ name: definition.name, current_version: version, schedule: scheduleJson(definition), updated_at: now });
        return record(id, version, definition, Number(wf.created_at), now);
      }),
    );
  }

  async delete(id: string): Promise<void> {
    const n = typeof id === 'string' ? await this.knex('workflow').where({ id, deleted_at: null }).update({ deleted_at: this.now() }) : 0;
    if (!n) throw new NotFoundError(`workflow ${String(id).slice(0, 64)} not found`);
  }

  async get(id: string): Promise<WorkflowRecord | null> {
    if (typeof id !== 'string' || id.length > 64) return null;
    const row = await this.records().where('w.id', id).first();
    return row ? toRecord(row) : null;
  }

  async getVersion(id: string, version: number): Promise<WorkflowDefinition | null> {
    if (typeof id !== 'string' || !Number.isInteger(version)) return null;
    const row = await this.knex('workflow_version').where({ workflow_id: id, version }).first('definition');
    return row ? fromJson<WorkflowDefinition>(row.definition) : null;
  }

  async list(options: { limit: number; cursor?: string }): Promise<{ items: WorkflowRecord[]; nextCursor: string | null }> {
    const limit = checkWorkflowPageLimit(options.limit);
    const qb = this.records()
      .orderBy('w.id', 'desc')
      .limit(limit + 1);
    if (options.cursor !== undefined) qb.where('w.id', '<', this.cursors.decode(options.cursor, 'workflows'));
    const rows = await qb;
    const items = rows.slice(0, limit).map(toRecord);
    return { items, nextCursor: rows.length > limit ? this.cursors.encode(items[items.length - 1]!.id, 'workflows') : null };
  }

  async listScheduled(): Promise<WorkflowRecord[]> {
    return (await this.records().whereNotNull('w.schedule').orderBy('w.id')).map(toRecord);
  }

  private records(): Knex.QueryBuilder {
    return this.knex({ w: 'workflow' })
      .join({ v: 'workflow_version' }, (j) => j.on('v.workflow_id', 'w.id').andOn('v.version', 'w.current_version'))
      .whereNull('w.deleted_at')
      .select(RECORD_COLUMNS);
  }

  private async retryOnRace<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        if (attempt >= 5) throw new ConflictError('the workflow was changed concurrently; try again', { cause: err });
      }
    }
  }
}

function scheduleJson(definition: WorkflowDefinition): string | null {
  return definition.schedule ? JSON.stringify(definition.schedule) : null;
}

function toRecord(row: Record<string, unknown>): WorkflowRecord {
  const definition = fromJson<WorkflowDefinition>(row.definition)!;
  return record(String(row.id), Number(row.current_version), definition, Number(row.created_at), Number(row.updated_at));
}

function record(id: string, version: number, definition: WorkflowDefinition, createdAt: number, updatedAt: number): WorkflowRecord {
  return {
    id,
    name: definition.name,
    version,
    definition: structuredClone(definition),
    schedule: definition.schedule ?? null,
    createdAt: msToIso(createdAt)!,
    updatedAt: msToIso(updatedAt)!,
  };
}
