import { TemplateError } from '../errors/weft-error';
import { ErrorCodes } from '../errors/error-codes';
import type { TemplateScope } from '../plugin/node-type';

/** Template roots (DESIGN.md): anything else is a validation error. */
export const TEMPLATE_ROOTS = ['variables', 'inputs', 'nodes', 'execution', 'secrets'] as const;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

type Segment = string | number;

/** One parsed `{{ path }}`. */
export interface TemplatePath {
  source: string;
  segments: Segment[];
}

type Part = { text: string } | { path: TemplatePath };

/** A parsed template string: constant text and paths; `whole` when the string is exactly one `{{ }}`. */
export interface ParsedTemplate {
  parts: Part[];
  whole: TemplatePath | null;
}

/** Where a template sits, for error messages. */
export interface TemplateLocation {
  nodeId: string;
  field: string;
  /** Roots allowed beside {@link TEMPLATE_ROOTS} (a `map` node's inline template adds `item` and `index`). */
  extraRoots?: readonly string[];
}

/**
 * Parses `text` in one left-to-right pass (linear in its length). Returns null when the text
 * holds no `{{`. Throws `TemplateError` for an unclosed `{{` or a bad path.
 */
export function parseTemplate(text: string, where: TemplateLocation): ParsedTemplate | null {
  let open = text.indexOf('{{');
  if (open === -1) return null;
  const parts: Part[] = [];
  let pos = 0;
  while (open !== -1) {
    if (open > pos) parts.push({ text: text.slice(pos, open) });
    const close = text.indexOf('}}', open + 2);
    if (close === -1) {
      throw new TemplateError(`node "${where.nodeId}" field "${where.field}": unclosed "{{" at character ${open + 1}`, {
        code: ErrorCodes.WF_TEMPLATE_SYNTAX,
        details: { nodeId: where.nodeId, field: where.field, position: open + 1 },
      });
    }
    parts.push({ path: parsePath(text.slice(open + 2, close).trim(), where) });
    pos = close + 2;
    open = text.indexOf('{{', pos);
  }
  if (pos < text.length) parts.push({ text: text.slice(pos) });
  const only = parts.length === 1 ? parts[0]! : null;
  return { parts, whole: only && 'path' in only ? only.path : null };
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*/;

/** Parses `a.b[0].c` (and `a["key"]`) into segments; no code, only lookups. */
export function parsePath(source: string, where: TemplateLocation): TemplatePath {
  const fail = (why: string) =>
    new TemplateError(`node "${where.nodeId}" field "${where.field}": invalid template path "${source}": ${why}`, {
      code: ErrorCodes.WF_TEMPLATE_SYNTAX,
      details: { nodeId: where.nodeId, field: where.field, path: source },
    });
  const segments: Segment[] = [];
  let rest = source;
  const first = IDENT.exec(rest);
  if (!first) throw fail('it must start with a name');
  segments.push(first[0]);
  rest = rest.slice(first[0].length);
  while (rest.length) {
    if (rest[0] === '.') {
      const m = IDENT.exec(rest.slice(1));
      if (!m) throw fail('expected a name after "."');
      segments.push(m[0]);
      rest = rest.slice(1 + m[0].length);
    } else if (rest[0] === '[') {
      const m = /^\[\s*(?:(\d+)|"([^"\\]*)"|'([^'\\]*)')\s*\]/.exec(rest);
      if (!m) throw fail('expected [index] or ["key"]');
      segments.push(m[1] !== undefined ? Number(m[1]) : (m[2] ?? m[3])!);
      rest = rest.slice(m[0].length);
    } else throw fail(`unexpected "${rest[0]}"`);
  }
  for (const s of segments) if (typeof s === 'string' && FORBIDDEN_KEYS.has(s)) throw fail(`"${s}" is not accessible`);
  const root = segments[0] as string;
  if (!(TEMPLATE_ROOTS as readonly string[]).includes(root) && !where.extraRoots?.includes(root)) {
    throw fail(`unknown root "${root}" (use ${[...TEMPLATE_ROOTS, ...(where.extraRoots ?? [])].join(', ')})`);
  }
  return { source, segments };
}

/** Looks a path up in the scope: own properties only. Throws a `TemplateError` naming node, field and path when missing. */
export function lookupPath(scope: TemplateScope, path: TemplatePath, where: TemplateLocation): unknown {
  let value: unknown = scope;
  for (let i = 0; i < path.segments.length; i++) {
    const key = path.segments[i]!;
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key)) {
      const at = path.segments
        .slice(0, i + 1)
        .map((s, j) => (typeof s === 'number' ? `[${s}]` : j === 0 ? s : `.${s}`))
        .join('');
      throw new TemplateError(
        `node "${where.nodeId}" field "${where.field}": template path "${path.source}" not found (nothing at "${at}")`,
        { code: ErrorCodes.WF_TEMPLATE_MISSING_PATH, details: { nodeId: where.nodeId, field: where.field, path: path.source } },
      );
    }
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** Renders a parsed template: the value itself for a whole-value template, else text. Substituted text is never parsed again. */
export function renderTemplate(t: ParsedTemplate, scope: TemplateScope, where: TemplateLocation): unknown {
  if (t.whole) return lookupPath(scope, t.whole, where);
  let out = '';
  for (const part of t.parts) out += 'text' in part ? part.text : toText(lookupPath(scope, part.path, where));
  return out;
}

function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  if (value === null || typeof value !== 'object') return String(value);
  return JSON.stringify(value);
}
