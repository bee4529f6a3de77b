import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigurationError } from '../../core/errors/weft-error';

/**
 * weft's settings: environment variables (and the same keys in an optional JSON config file
 * named by `WEFT_CONFIG`; the environment wins). Parsed once; unknown `WEFT_*` keys and
 * malformed values stop the start with a message naming them.
 */
export const WeftConfigSchema = Type.Object({
  host: Type.String({ minLength: 1 }),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  dataDir: Type.String({ minLength: 1 }),
  databaseUrl: Type.Union([Type.String({ pattern: '^postgres(ql)?://' }), Type.Null()]),
  /** SQLite file; null means `<dataDir>/weft.sqlite`. */
  sqliteFile: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  plugins: Type.Array(Type.String({ minLength: 1 })),
  adminKey: Type.Union([Type.String({ minLength: 16 }), Type.Null()]),
  logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
  openaiBaseUrl: Type.String({ pattern: '^https?://' }),
  openaiApiKey: Type.Union([Type.String(), Type.Null()]),
  /** Trust `X-Forwarded-For` (only behind a proxy you control). */
  trustProxy: Type.Boolean(),
  /** Request body limit in bytes. */
  maxBodyBytes: Type.Integer({ minimum: 1024 }),
  /** Requests per minute per API key / per client address. */
  rateLimitPerMinute: Type.Integer({ minimum: 1 }),
  /** `/api/v1` requests per minute per client address that carry no key or a refused one. */
  authFailLimitPerMinute: Type.Integer({ minimum: 1 }),
  /** Requests per minute per webhook (`POST /hooks/:workflowId/:name`). */
  hookRateLimitPerMinute: Type.Integer({ minimum: 1 }),
  /** Open event streams (SSE) per API key. */
  maxSseStreamsPerKey: Type.Integer({ minimum: 1 }),
  /** The secrets' encryption key (32 bytes, base64); null: `<dataDir>/secrets.key` on SQLite. */
  secretsKey: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  /** Largest serialised node output stored, in bytes. */
  maxOutputBytes: Type.Integer({ minimum: 1024 }),
  /** Node outputs whose JSON is larger are stored apart and referenced (`$ref`) from execution documents. */
  inlineOutputBytes: Type.Integer({ minimum: 0 }),
  /** Sandbox defaults (DESIGN.md: CPU 1 s, wall 5 s, memory 128 MB, output 16 MB). */
  sandboxCpuMs: Type.Integer({ minimum: 1 }),
  sandboxWallMs: Type.Integer({ minimum: 1 }),
  sandboxMemoryMb: Type.Integer({ minimum: 8 }),
  sandboxOutputBytes: Type.Integer({ minimum: 1 }),
  sandboxPoolSize: Type.Integer({ minimum: 1, maximum: 64 }),
  /** Ceilings on a node's `limits` (and on the defaults): above one is a validation problem. */
  sandboxMaxCpuMs: Type.Integer({ minimum: 1 }),
  sandboxMaxWallMs: Type.Integer({ minimum: 1 }),
  sandboxMaxMemoryMb: Type.Integer({ minimum: 8 }),
  sandboxMaxOutputBytes: Type.Integer({ minimum: 1 }),
  /** Numeric aggregations over more values than this go to the worker pool. */
  aggregateWorkerThreshold: Type.Integer({ minimum: 0 }),
  mapMaxItems: Type.Integer({ minimum: 1, maximum: 100_000_000 }),
  workerPoolSize: Type.Integer({ minimum: 1, maximum: 64 }),
  /** Executions older than this many days are pruned (0: never). */
  retentionDays: Type.Number({ minimum: 0 }),
  /** What to do with fires missed while the process was down. */
  missedFires: Type.Union([Type.Literal('none'), Type.Literal('one')]),
  /** Shortest interval schedule accepted, in ms. */
  minIntervalMs: Type.Integer({ minimum: 1 }),
  /** How long SIGTERM waits for running executions to reach a node boundary. */
  shutdownDeadlineMs: Type.Integer({ minimum: 0 }),
  /** `inline`: `weft serve` runs executions itself; `queue`: it queues them in PostgreSQL for `weft worker`s. */
  executionMode: Type.Union([Type.Literal('inline'), Type.Literal('queue')]),
  /** Serve the web console under `/ui/` (and redirect `/` to it). */
  console: Type.Boolean(),
  /** Queue mode: a worker's claim on an execution lapses this many seconds after its last renewal (renewed every third of it). */
  queueLeaseSeconds: Type.Integer({ minimum: 1, maximum: 3600 }),
  /** Queue mode: how often lapsed claims are looked for (pg-boss maintenance), in seconds. */
  queueLapseCheckSeconds: Type.Integer({ minimum: 1, maximum: 3600 }),
  /** Deepest sub-workflow nesting (the root is depth 0): a `workflow` node that would go deeper fails `WF_DEPTH_EXCEEDED`. */
  maxWorkflowDepth: Type.Integer({ minimum: 0, maximum: 1000 }),
});

export type WeftConfig = Static<typeof WeftConfigSchema>;

interface Setting {
  key: keyof WeftConfig;
  kind: 'string' | 'int' | 'number' | 'bool' | 'list' | 'nullable';
  default: unknown;
}

/** Environment variable → setting; the README's configuration table lists the same. */
export const SETTINGS: Record<string, Setting> = {
  WEFT_HOST: { key: 'host', kind: 'string', default: '127.0.0.1' },
  WEFT_PORT: { key: 'port', kind: 'int', default: 8080 },
  WEFT_DATA_DIR: { key: 'dataDir', kind: 'string', default: './data' },
  DATABASE_URL: { key: 'databaseUrl', kind: 'nullable', default: null },
  WEFT_SQLITE_FILE: { key: 'sqliteFile', kind: 'nullable', default: null },
  WEFT_PLUGINS: { key: 'plugins', kind: 'list', default: [] },
  WEFT_ADMIN_KEY: { key: 'adminKey', kind: 'nullable', default: null },
  WEFT_LOG_LEVEL: { key: 'logLevel', kind: 'string', default: 'info' },
  OPENAI_BASE_URL: { key: 'openaiBaseUrl', kind: 'string', default: 'https://api.openai.com/v1' },
  OPENAI_API_KEY: { key: 'openaiApiKey', kind: 'nullable', default: null },
  WEFT_TRUST_PROXY: { key: 'trustProxy', kind: 'bool', default: false },
  WEFT_MAX_BODY_BYTES: { key: 'maxBodyBytes', kind: 'int', default: 1024 * 1024 },
  WEFT_RATE_LIMIT_PER_MINUTE: { key: 'rateLimitPerMinute', kind: 'int', default: 600_000 },
  WEFT_AUTH_FAIL_LIMIT_PER_MINUTE: { key: 'authFailLimitPerMinute', kind: 'int', default: 120 },
  WEFT_HOOK_RATE_LIMIT_PER_MINUTE: { key: 'hookRateLimitPerMinute', kind: 'int', default: 600 },
  WEFT_MAX_SSE_STREAMS_PER_KEY: { key: 'maxSseStreamsPerKey', kind: 'int', default: 20 },
  WEFT_SECRETS_KEY: { key: 'secretsKey', kind: 'nullable', default: null },
  WEFT_MAX_OUTPUT_BYTES: { key: 'maxOutputBytes', kind: 'int', default: 16 * 1024 * 1024 },
  WEFT_INLINE_OUTPUT_BYTES: { key: 'inlineOutputBytes', kind: 'int', default: 256 * 1024 },
  WEFT_SANDBOX_CPU_MS: { key: 'sandboxCpuMs', kind: 'int', default: 1000 },
  WEFT_SANDBOX_WALL_MS: { key: 'sandboxWallMs', kind: 'int', default: 5000 },
  WEFT_SANDBOX_MEMORY_MB: { key: 'sandboxMemoryMb', kind: 'int', default: 128 },
  WEFT_SANDBOX_OUTPUT_BYTES: { key: 'sandboxOutputBytes', kind: 'int', default: 16 * 1024 * 1024 },
  WEFT_SANDBOX_POOL_SIZE: { key: 'sandboxPoolSize', kind: 'int', default: 2 },
  WEFT_SANDBOX_MAX_CPU_MS: { key: 'sandboxMaxCpuMs', kind: 'int', default: 10_000 },
  WEFT_SANDBOX_MAX_WALL_MS: { key: 'sandboxMaxWallMs', kind: 'int', default: 60_000 },
  WEFT_SANDBOX_MAX_MEMORY_MB: { key: 'sandboxMaxMemoryMb', kind: 'int', default: 512 },
  WEFT_SANDBOX_MAX_OUTPUT_BYTES: { key: 'sandboxMaxOutputBytes', kind: 'int', default: 64 * 1024 * 1024 },
  WEFT_AGGREGATE_WORKER_THRESHOLD: { key: 'aggregateWorkerThreshold', kind: 'int', default: 10_000 },
  WEFT_MAP_MAX_ITEMS: { key: 'mapMaxItems', kind: 'int', default: 100_000 },
  WEFT_WORKER_POOL_SIZE: { key: 'workerPoolSize', kind: 'int', default: 2 },
  WEFT_RETENTION_DAYS: { key: 'retentionDays', kind: 'number', default: 0 },
  WEFT_MISSED_FIRES: { key: 'missedFires', kind: 'string', default: 'none' },
  WEFT_MIN_INTERVAL_MS: { key: 'minIntervalMs', kind: 'int', default: 1000 },
  WEFT_SHUTDOWN_DEADLINE_MS: { key: 'shutdownDeadlineMs', kind: 'int', default: 10_000 },
  WEFT_EXECUTION_MODE: { key: 'executionMode', kind: 'string', default: 'inline' },
  WEFT_CONSOLE: { key: 'console', kind: 'bool', default: true },
  // a SIGKILLed worker's executions resume elsewhere within lease + up to two lapse checks (pg-boss runs its maintenance only when the last run is older than the interval, so timer jitter between processes can double it) + a poll: ≤ 7.5 s
  WEFT_QUEUE_LEASE_SECONDS: { key: 'queueLeaseSeconds', kind: 'int', default: 5 },
  WEFT_QUEUE_LAPSE_CHECK_SECONDS: { key: 'queueLapseCheckSeconds', kind: 'int', default: 1 },
  WEFT_MAX_WORKFLOW_DEPTH: { key: 'maxWorkflowDepth', kind: 'int', default: 10 },
};

/** Env vars with these prefixes that are not settings are typos: reject them. */
const OWNED_PREFIX = 'WEFT_';
/** `WEFT_CONFIG` names the config file; it is not itself a setting. */
const META_KEYS = new Set(['WEFT_CONFIG']);

/** Parses settings from `env` (and the file it names) into a typed config; throws naming every bad key. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  fileValues: Record<string, unknown> = readConfigFile(env.WEFT_CONFIG),
): WeftConfig {
  const problems: string[] = [];
  for (const key of Object.keys(fileValues)) if (!SETTINGS[key]) problems.push(`${key}: unknown setting (config file)`);
  for (const key of Object.keys(env)) {
    if (key.startsWith(OWNED_PREFIX) && !SETTINGS[key] && !META_KEYS.has(key)) problems.push(`${key}: unknown setting`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(SETTINGS)) {
    const raw = env[name] !== undefined && env[name] !== '' ? env[name] : fileValues[name];
    if (raw === undefined) {
      out[s.key] = s.default;
      continue;
    }
    const parsed = parseValue(String(raw), s.kind);
    if (parsed === INVALID) problems.push(`${name}: "${String(raw).slice(0, 60)}" is not a valid ${s.kind}`);
    else out[s.key] = parsed;
  }
  if (!problems.length) {
    for (const e of Value.Errors(WeftConfigSchema, out)) {
      const name = Object.entries(SETTINGS).find(([, s]) => `/${s.key}` === e.path)?.[0] ?? e.path;
      problems.push(`${name}: ${e.message}`);
    }
  }
  if (!problems.length) problems.push(...ceilingProblems(out as WeftConfig));
  if (problems.length) throw new ConfigurationError(`invalid configuration: ${problems.join('; ')}`, { details: problems });
  return out as WeftConfig;
}

const INVALID = Symbol('invalid');

/** The JSON config file named by `WEFT_CONFIG` (same keys as the environment). */
function readConfigFile(file: string | undefined): Record<string, unknown> {
  if (!file) return {};
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigurationError(`WEFT_CONFIG: cannot read ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new ConfigurationError(`WEFT_CONFIG: ${file} must hold a JSON object of settings`);
  return value as Record<string, unknown>;
}

function parseValue(raw: string, kind: Setting['kind']): unknown {
  switch (kind) {
    case 'string':
    case 'nullable':
      return raw;
    case 'int':
      return /^-?\d+$/.test(raw.trim()) ? Number(raw) : INVALID;
    case 'number':
      return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : INVALID;
    case 'bool':
      return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : INVALID;
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
  }
}

/** A sandbox default above its ceiling would make every sandboxed node invalid: refuse the start instead. */
function ceilingProblems(c: WeftConfig): string[] {
  const pairs: Array<[string, number, string, number]> = [
    ['WEFT_SANDBOX_CPU_MS', c.sandboxCpuMs, 'WEFT_SANDBOX_MAX_CPU_MS', c.sandboxMaxCpuMs],
    ['WEFT_SANDBOX_WALL_MS', c.sandboxWallMs, 'WEFT_SANDBOX_MAX_WALL_MS', c.sandboxMaxWallMs],
    ['WEFT_SANDBOX_MEMORY_MB', c.sandboxMemoryMb, 'WEFT_SANDBOX_MAX_MEMORY_MB', c.sandboxMaxMemoryMb],
    ['WEFT_SANDBOX_OUTPUT_BYTES', c.sandboxOutputBytes, 'WEFT_SANDBOX_MAX_OUTPUT_BYTES', c.sandboxMaxOutputBytes],
  ];
  return pairs.filter(([, v, , max]) => v > max).map(([name, v, maxName, max]) => `${name}: ${v} is above ${maxName} (${max})`);
}
