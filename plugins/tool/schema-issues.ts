import type { ErrorObject } from 'ajv';

/** At most this many schema problems are spelled out in one message (the rest are counted). */
const MAX_LISTED = 10;

/** One schema problem: a JSON Pointer into the checked value and what is wrong there. */
export interface SchemaIssue {
  /** JSON Pointer (`/headers/x-id`); `/` is the value itself. */
  pointer: string;
  message: string;
}

/** Turns ajv's errors into issues whose messages name the offending key or the allowed values. */
export function toSchemaIssues(errors: readonly ErrorObject[] | null | undefined): SchemaIssue[] {
  return (
    (errors ?? [])
      // ajv follows each failing property name with a vague "property name must be valid"; the
      // inner error (which carries `propertyName`) already says what is wrong.
      .filter((e) => e.keyword !== 'propertyNames')
      .map((e) => ({ pointer: e.instancePath || '/', message: describe(e) }))
  );
}

/** `"/url must be string; /method must be equal to one of the allowed values: GET, POST"`. */
export function formatSchemaIssues(issues: readonly SchemaIssue[]): string {
  const listed = issues.slice(0, MAX_LISTED).map((i) => `${i.pointer} ${i.message}`);
  if (issues.length > MAX_LISTED) listed.push(`and ${issues.length - MAX_LISTED} more`);
  return listed.join('; ');
}

/** `/items/0/name` → `items[0].name`, for workflow paths such as `config.input.items[0].name`. */
export function pointerToPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    if (raw === '') continue;
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function describe(e: ErrorObject): string {
  const msg = e.message ?? 'is invalid';
  const p = e.params as Record<string, unknown>;
  // ajv leaves the useful part in params for these keywords; users need it to fix their input.
  switch (e.keyword) {
    case 'additionalProperties':
      return `${msg}: "${String(p.additionalProperty)}"`;
    case 'enum':
      return `${msg}: ${(p.allowedValues as unknown[]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}`;
    default:
      return e.propertyName !== undefined ? `property name ${JSON.stringify(e.propertyName)} ${msg}` : msg;
  }
}
