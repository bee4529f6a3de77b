import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The bits of `pg` used here (the package ships no types and @types/pg is not installed). */
interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Client } = require('pg') as { Client: new (o: { connectionString: string }) => PgClient };

const run = promisify(execFile);

/** A throwaway PostgreSQL server for tests and benchmarks. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/weft_test` (trust auth, no password). */
  url: string;
  /** Creates another empty database on the same server and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
  /** Synchronous stop for `process.on('exit')`, where nothing async runs. */
  stopSync(): void;
}

/** Why PostgreSQL cannot start here, or null when it can (binaries present and a user to run them). */
export function postgresUnavailableReason(): string | null {
  for (const bin of ['initdb', 'pg_ctl']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} is not on PATH`;
  }
  if (userInfo().uid === 0 && spawnSync('id', ['postgres']).status !== 0) {
    return 'running as root and there is no "postgres" user to run the server as';
  }
  return null;
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts PostgreSQL from the machine's binaries in a temporary directory (as the `postgres` user
 * when we are root: the server refuses root), on a free port, trust auth, socket in the same
 * directory, with a `weft_test` database. `stop()` kills it (`-m immediate`) and removes the files.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const why = postgresUnavailableReason();
  if (why) throw new Error(`cannot start PostgreSQL: ${why}`);
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'weft-pg-'));
  const data = join(dir, 'data');
  const asPg = (cmd: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args));
  if (asRoot) {
    const ids = spawnSync('id', ['-u', 'postgres']).stdout.toString().trim();
    const gid = spawnSync('id', ['-g', 'postgres']).stdout.toString().trim();
    chownSync(dir, Number(ids), Number(gid));
  }
  chmodSync(dir, 0o700);
  let started = false;
  try {
    await asPg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
    const port = await freePort();
    const log = join(dir, 'server.log');
    const opts = [
      `-c listen_addresses=127.0.0.1`,
      `-p ${port}`,
      `-k ${dir}`,
      // a throwaway server: keep fsync on so benchmark figures mean something, but be lean
      // PostgreSQL's default: the chaos run's serve and 4 workers each hold up to 14 (10 store, 4 pg-boss), and at 50 nodes failed with "too many clients"
      `-c max_connections=100`,
      `-c shared_buffers=128MB`,
    ].join(' ');
    await asPg('pg_ctl', ['-D', data, '-l', log, '-o', opts, '-w', '-t', '30', 'start']);
    started = true;
    const base = `postgres://postgres@127.0.0.1:${port}`;
    const createDatabase = async (name: string): Promise<string> => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      const client = new Client({ connectionString: `${base}/postgres` });
      await client.connect();
      try {
        await client.query(`create database ${name}`);
      } finally {
        await client.end();
      }
      return `${base}/${name}`;
    };
    const url = await createDatabase('weft_test');
    let stopped = false;
    return {
      url,
      createDatabase,
      async stop() {
        if (stopped) return;
        stopped = true;
        try {
          await asPg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
        } finally {
          // not rmSync: many databases' files under load would block the event loop for long
          await rm(dir, { recursive: true, force: true });
        }
      },
      stopSync() {
        if (stopped) return;
        stopped = true;
        const args = ['-D', data, '-m', 'immediate', '-w', 'stop'];
        spawnSync(asRoot ? 'runuser' : 'pg_ctl', asRoot ? ['-u', 'postgres', '--', 'pg_ctl', ...args] : args);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (started) await asPg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    const e = err as { stderr?: string; message: string };
    throw new Error(`cannot start PostgreSQL: ${e.stderr || e.message}`);
  }
}

const STOP_TIMEOUT_MS = 120_000;
let shared: Promise<PostgresServer> | null = null;
let databases = 0;

/**
 * One server per mocha run, started on first use and stopped from a root `after` hook via
 * {@link stopSharedPostgres} (and, should that not run, when the process exits).
 * Each call gets a fresh database on it. Returns null (with the reason) when PostgreSQL cannot
 * run here; under `CI=true` that is an error instead of a skip.
 */
export async function sharedPostgresDatabase(): Promise<{ url: string } | { skip: string }> {
  const why = postgresUnavailableReason();
  if (why) {
    if (process.env.CI === 'true') throw new Error(`PostgreSQL is required under CI=true: ${why}`);
    return { skip: `PostgreSQL suites skipped: ${why}` };
  }
  if (!shared) {
    shared = startPostgres();
    shared.then(
      (srv) => process.once('exit', () => srv.stopSync()),
      () => undefined,
    );
  }
  const srv = await shared;
  databases += 1;
  return { url: await srv.createDatabase(`weft_${process.pid}_${databases}`) };
}

/**
 * Stops the shared server (root `after` hook). Removing its data directory (a database per suite)
 * can take well over mocha's 30 s on a loaded machine, hence the hook's own timeout.
 */
export async function stopSharedPostgres(this: Mocha.Context | void): Promise<void> {
  if (this && typeof this.timeout === 'function') this.timeout(STOP_TIMEOUT_MS);
  if (!shared) return;
  const s = shared;
  shared = null;
  await (await s.catch(() => null))?.stop();
}

/**
 * For a suite's `before` hook: the URL of a fresh database on the shared server; without the
 * PostgreSQL binaries it skips the suite, saying why (under CI=true it fails instead).
 */
export async function postgresUrlOrSkip(suite: Mocha.Context): Promise<string> {
  const db = await sharedPostgresDatabase();
  if ('skip' in db) {
    console.log(`      ${db.skip}`);
    suite.skip();
  }
  return db.url;
}
