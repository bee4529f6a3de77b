import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { describeDialects } from './dialect-harness';
import { startRecord } from './execution-fixtures';
import { loadConfig } from '../../../runtime/config/weft-config';
import { openPersistence } from '../../../runtime/persistence/persistence';
import { PersistenceError } from '../../../core/errors/weft-error';
import { makeTempDir } from '../../support/sqlite-temp';

const TABLES = [
  'workflow',
  'workflow_version',
  'workflow_execution',
  'node_execution',
  'map_item',
  'api_key',
  'weft_meta',
  'secret',
  'weft_wait',
  'weft_signal',
  'node_output',
];

describeDialects('persistence migrations', (ctx) => {
  it('create every table on a fresh database and are idempotent on restart', async () => {
    const config = await ctx.freshConfig();
    const p = await openPersistence(config, undefined, { heartbeatMs: 0 });
    const knex = p.executionStore.knex;
    for (const t of TABLES)
      assert.deepEqual(
        await knex(t)
          .count({ n: '*' })
          .then((r) => Number(r[0]!.n) >= 0),
        true,
        t,
      );
    const applied = await knex('mikro_orm_migrations').select('name');
    assert.deepEqual(
      applied.map((r) => r.name),
      [
        '0001_initial_schema',
        '0002_cancel_request',
        '0003_secrets',
        '0004_claim_fencing',
        '0005_lineage',
        '0006_map_items',
        '0007_waits',
        '0008_node_outputs',
        '0009_concurrency',
        '0010_event_seq',
        '0011_child_waits',
        '0012_wait_deadlines',
      ],
    );
    const s = startRecord('wf_mig');
    await p.executionStore.startExecution(s);
    const secret = (await knex('weft_meta').where({ key: 'cursor_secret' }).first('value')).value;
    await p.close();
    // restart: nothing re-applied, data and the cursor secret kept
    const again = await openPersistence(config, undefined, { heartbeatMs: 0 });
    try {
      const k2 = again.executionStore.knex;
      assert.equal(Number((await k2('mikro_orm_migrations').count({ n: '*' }))[0]!.n), 12);
      assert.deepEqual(await again.orm.getMigrator().getPendingMigrations(), []);
      assert.equal((await k2('weft_meta').where({ key: 'cursor_secret' }).first('value')).value, secret);
      assert.equal((await again.executionStore.getExecution(s.id))!.id, s.id);
    } finally {
      await again.close();
    }
  });

  it('leave a schema that matches the entity metadata exactly (no pending schema diff)', async () => {
    const p = await ctx.open();
    assert.equal((await p.orm.schema.getUpdateSchemaSQL({ wrap: false })).trim(), '');
  });
});

describe('openPersistence', () => {
  it('creates the data directory and uses <dataDir>/weft.sqlite by default', async () => {
    const tmp = makeTempDir();
    try {
      const dataDir = join(tmp.dir, 'nested', 'data');
      const p = await openPersistence(loadConfig({ WEFT_DATA_DIR: dataDir }), undefined, { heartbeatMs: 0 });
      assert.equal(p.dialect, 'sqlite');
      assert.equal(p.location, join(dataDir, 'weft.sqlite'));
      assert.ok(existsSync(join(dataDir, 'weft.sqlite')));
      await p.close();
      await p.close(); // idempotent
    } finally {
      tmp.remove();
    }
  });

  it('fails with a PersistenceError naming the SQLite file when it cannot be opened', async () => {
    const tmp = makeTempDir();
    try {
      writeFileSync(join(tmp.dir, 'file'), 'not a directory');
      await assert.rejects(openPersistence(loadConfig({ WEFT_DATA_DIR: join(tmp.dir, 'file', 'sub') })), (err: Error) => {
        assert.ok(err instanceof PersistenceError);
        assert.match(err.message, /SQLite database .*file\/sub\/weft\.sqlite/);
        return true;
      });
    } finally {
      tmp.remove();
    }
  });

  it('fails with a PersistenceError naming the PostgreSQL database without its password', async function () {
    this.timeout(20_000);
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const url = `postgres://weft:s3cr3t-pw@127.0.0.1:${port}/weftdb`;
    await assert.rejects(openPersistence(loadConfig({ DATABASE_URL: url })), (err: Error) => {
      assert.ok(err instanceof PersistenceError, String(err));
      assert.match(err.message, /PostgreSQL database postgres:\/\/weft:\*\*\*@127\.0\.0\.1:\d+\/weftdb/);
      assert.ok(!err.message.includes('s3cr3t-pw'), err.message);
      return true;
    });
  });
});
