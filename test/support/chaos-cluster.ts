import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { waitFor } from './wait-for';

/** The bits of `pg` used here (the package ships no types). */
export interface PgClient {
  connect(): Promise<void>;
  query(sql: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Client } = require('pg') as { Client: new (o: { connectionString: string }) => PgClient };

/** The `weft` bin the cluster runs (`WEFT_CHAOS_BIN` points at another build, e.g. to measure a baseline). */
const BIN = process.env.WEFT_CHAOS_BIN ?? path.join(__dirname, '..', '..', '..', 'bin', 'weft.js');
const ADMIN_KEY = 'chaos-admin-key-0123456789abcdef0123';

/** Execution statuses that end it. */
export const TERMINAL = new Set(['succeeded', 'partially_succeeded', 'failed', 'cancelled', 'skipped']);

/** A SIGKILL and the executions its process was running. */
export interface Kill {
  at: number;
  pid: number;
  affected: string[];
  /**
   * When each affected execution was resumed after this kill (epoch ms). Per kill, not per
   * execution: one execution can be interrupted by several kills, and timing an earlier kill
   * against a later kill's resumption made a 6 s failover read as 17 s.
   */
  resumed: Map<string, number>;
  serve?: boolean;
}

/** One call a node made to the side-effect server. */
export interface SideEffect {
  key: string;
  arrivedAt: number;
  answeredAt: number | null;
}

/**
 * A local HTTP server standing for the outside world: every node of the chaos workflows calls it
 * once per run (`/call/<executionId>/<nodeId>?ms=N` answers after N ms), so repeated side effects
 * can be counted.
 */
export class SideEffectServer {
  readonly calls: SideEffect[] = [];
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const call: SideEffect = { key: u.pathname, arrivedAt: Date.now(), answeredAt: null };
      this.calls.push(call);
      setTimeout(
        () => {
          call.answeredAt = Date.now();
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ ok: true }));
        },
        Number(u.searchParams.get('ms') ?? 0),
      );
    });
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Keys (`/call/<executionId>/<nodeId>`) called more than once. */
  repeated(): string[] {
    const seen = new Map<string, number>();
    for (const c of this.calls) seen.set(c.key, (seen.get(c.key) ?? 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** A spawned weft process. */
export interface Proc {
  child: ChildProcess;
  pid: number;
  output(): string;
}

function spawnWeft(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<Proc & { match: RegExpExecArray }> {
  const child = spawn(process.execPath, ['--no-node-snapshot', BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`weft ${args[0]} did not start:\n${out}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out = (out + d.toString()).slice(-20_000);
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, pid: child.pid!, output: () => out, match });
      }
    });
    child.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`weft ${args[0]} exited (${code ?? signal}):\n${out}`));
    });
  });
}

export function exited(p: Proc): Promise<void> {
  return new Promise((r) => (p.child.exitCode !== null || p.child.signalCode ? r() : p.child.once('exit', () => r())));
}

/** `weft serve` (queue mode) and `weft worker`s on one PostgreSQL database, killed and restarted at will. */
export class ChaosCluster {
  serve: Proc | null = null;
  apiUrl = '';
  readonly workers: Array<Proc | null> = [];
  readonly db: PgClient;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly databaseUrl: string,
    dataDir: string,
    private readonly workerArgs: string[] = [],
    extraEnv: Record<string, string> = {},
  ) {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('WEFT_') && k !== 'DATABASE_URL') env[k] = v;
    this.env = {
      ...env,
      DATABASE_URL: databaseUrl,
      WEFT_DATA_DIR: dataDir,
      WEFT_EXECUTION_MODE: 'queue',
      WEFT_ADMIN_KEY: ADMIN_KEY,
      WEFT_PORT: '0',
      WEFT_LOG_LEVEL: 'warn',
      WEFT_RATE_LIMIT_PER_MINUTE: '10000000',
      WEFT_SHUTDOWN_DEADLINE_MS: '500',
      ...extraEnv,
    };
    this.db = this.connection();
  }

  /** Another connection to the cluster's database (a watcher that should not queue behind `db`). */
  connection(): PgClient {
    return new Client({ connectionString: this.databaseUrl });
  }

  async startServe(): Promise<void> {
    const p = await spawnWeft(['serve'], this.env, /weft listening on (http:\/\/\S+)/);
    this.serve = p;
    this.apiUrl = p.match[1]!;
  }

  async startWorker(slot: number): Promise<Proc> {
    const p = await spawnWeft(['worker', ...this.workerArgs], this.env, /weft worker started/);
    this.workers[slot] = p;
    return p;
  }

  /** SIGKILLs a process and waits for it to be gone; returns the kill's time. */
  async kill(p: Proc): Promise<number> {
    const at = Date.now();
    p.child.kill('SIGKILL');
    await exited(p);
    return at;
  }

  async call(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(this.apiUrl + p, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /**
   * SIGKILLs the worker in `slot` and lists the executions it was running: read after the kill
   * (a dead worker's executions keep its name until another worker takes them over, at least a
   * lease later), so none started just before the kill is missed.
   */
  async killWorker(slot: number): Promise<Kill> {
    const victim = this.workers[slot]!;
    const at = await this.kill(victim);
    return { at, pid: victim.pid, affected: await this.ownedBy(victim.pid), resumed: new Map() };
  }

  /** Records in `kill.resumed` when each execution the kill interrupted is taken over (another owner) or ends. */
  async watchResumption(kill: Kill, ms = 300_000): Promise<void> {
    const left = new Set(kill.affected);
    const end = Date.now() + ms;
    while (left.size && Date.now() < end) {
      const s = await this.statuses([...left]);
      for (const id of [...left]) {
        const e = s.get(id);
        if (e && (TERMINAL.has(e.status) || (e.owner && !e.owner.includes(`:${kill.pid}:`)))) {
          kill.resumed.set(id, Date.now());
          left.delete(id);
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Ids of the executions a process (by pid) owns and runs right now. */
  async ownedBy(pid: number): Promise<string[]> {
    const { rows } = await this.db.query("select id from workflow_execution where status = 'running' and owner like $1", [`%:${pid}:%`]);
    return rows.map((r) => String(r.id));
  }

  /** Status and owner of every execution (or of those in `ids`). */
  async statuses(ids?: string[]): Promise<Map<string, { status: string; owner: string | null }>> {
    const { rows } = ids
      ? await this.db.query('select id, status, owner from workflow_execution where id = any($1)', [ids])
      : await this.db.query('select id, status, owner from workflow_execution');
    return new Map(rows.map((r) => [String(r.id), { status: String(r.status), owner: (r.owner as string | null) ?? null }]));
  }

  async stop(): Promise<void> {
    for (const p of [this.serve, ...this.workers]) if (p && p.child.exitCode === null && !p.child.signalCode) p.child.kill('SIGKILL');
    await this.db.end().catch(() => undefined);
  }
}

/** Calls `probe` every `everyMs` until it returns a value or `ms` pass. */
export function until<T>(probe: () => Promise<T | undefined>, what: string, ms: number, everyMs = 100): Promise<T> {
  return waitFor(probe, what, { timeoutMs: ms, intervalMs: everyMs });
}
