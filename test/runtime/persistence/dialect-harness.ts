import { join } from 'node:path';
import { loadConfig, type WeftConfig } from '../../../runtime/config/weft-config';
import { openPersistence, type OpenPersistenceOptions, type Persistence } from '../../../runtime/persistence/persistence';
import type { PersistenceDialect } from '../../../runtime/persistence/migrations/migration-list';
import { sharedPostgresDatabase, stopSharedPostgres } from '../../support/postgres-server';
import { makeTempDir, type TempDir } from '../../support/sqlite-temp';

// the shared PostgreSQL server lives for the whole mocha run: a root-level hook stops it
after(stopSharedPostgres);

/** What a dialect-parameterised suite gets: its database and helpers to open it. */
export interface DialectContext {
  dialect: PersistenceDialect;
  /** Config pointing at the suite's database. */
  config: WeftConfig;
  /** Opens (and tracks for closing) a Persistence on the suite's database. */
  open(options?: OpenPersistenceOptions, env?: Record<string, string>): Promise<Persistence>;
  /** A config for a new, empty database (a new SQLite file or PostgreSQL database). */
  freshConfig(env?: Record<string, string>): Promise<WeftConfig>;
}

const skipped = new Set<string>();

/**
 * Runs `body` once per dialect (SQLite, PostgreSQL) in its own `describe`, against a database
 * made for the suite. PostgreSQL suites skip with the reason when the server binaries are missing
 * (and fail under CI=true).
 */
export function describeDialects(title: string, body: (ctx: DialectContext) => void, env: Record<string, string> = {}): void {
  for (const dialect of ['sqlite', 'postgresql'] as const) {
    describe(`${title} [${dialect}]`, function () {
      const opened: Persistence[] = [];
      let temp: TempDir | null = null;
      let n = 0;
      const ctx = { dialect } as DialectContext;
      const makeConfig = async (extra: Record<string, string>): Promise<WeftConfig | null> => {
        if (dialect === 'sqlite') {
          temp ??= makeTempDir('weft-persist-');
          return loadConfig({ ...env, ...extra, WEFT_DATA_DIR: join(temp.dir, `db${++n}`) });
        }
        const db = await sharedPostgresDatabase();
        if ('skip' in db) {
          if (!skipped.has(db.skip)) console.log(`      (${db.skip})`);
          skipped.add(db.skip);
          return null;
        }
        return loadConfig({ ...env, ...extra, DATABASE_URL: db.url });
      };
      before(async function () {
        this.timeout(60_000);
        const config = await makeConfig({});
        if (!config) return this.skip();
        ctx.config = config;
      });
      ctx.open = async (options = {}, extra = {}) => {
        const config = Object.keys(extra).length
          ? { ...ctx.config, ...loadConfig({ ...env, ...extra }), databaseUrl: ctx.config.databaseUrl, dataDir: ctx.config.dataDir }
          : ctx.config;
        const p = await openPersistence(config, undefined, { heartbeatMs: 0, ...options });
        opened.push(p);
        return p;
      };
      ctx.freshConfig = async (extra = {}) => (await makeConfig(extra))!;
      after(async () => {
        for (const p of opened.splice(0)) await p.close().catch(() => undefined);
        temp?.remove();
      });
      body(ctx);
    });
  }
}
