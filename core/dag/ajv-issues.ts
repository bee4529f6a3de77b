import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { ValidationIssue } from '../plugin/node-type';

/** One Ajv for core's schemas and node types' config schemas (allErrors: report every problem at once). */
export function createAjv(): Ajv {
  return new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
}

/** `/nodes/2/retry/maxAttempts` → `nodes[2].retry.maxAttempts`, prefixed. */
export function toPath(prefix: string, instancePath: string): string {
  let out = prefix;
  for (const raw of instancePath.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : out ? `.${seg}` : seg;
  }
  return out || '(root)';
}

/** Turns Ajv errors into issues with readable paths and messages. */
export function ajvIssues(errors: ErrorObject[] | null | undefined, prefix = ''): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const e of errors ?? []) {
    let path = toPath(prefix, e.instancePath);
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      path = toPath(prefix, `${e.instancePath}/${extra}`);
      message = 'is not allowed here (unknown key)';
    } else if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      path = toPath(prefix, `${e.instancePath}/${missing}`);
      message = 'is required';
    } else if (e.keyword === 'enum' || e.keyword === 'const') {
      message = `${message}: ${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues ?? (e.params as { allowedValue?: unknown }).allowedValue)}`;
    }
    issues.push({ path, message, code: 'schema' });
  }
  return dedupe(issues);
}

function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Caches compiled validators per schema object. */
export class SchemaCache {
  private readonly cache = new WeakMap<object, ValidateFunction>();
  constructor(private readonly ajv: Ajv) {}
  get(schema: object): ValidateFunction {
    let fn = this.cache.get(schema);
    if (!fn) this.cache.set(schema, (fn = this.ajv.compile(schema)));
    return fn;
  }
}
