import { parseTemplate, renderTemplate, type ParsedTemplate, type TemplateLocation } from './template-engine';
import type { TemplateScope } from '../plugin/node-type';

/**
 * A config value with its templates parsed once (at planning), rendered per execution.
 * Values without templates are returned as they are.
 */
export type CompiledValue =
  | { kind: 'const'; value: unknown }
  | { kind: 'template'; template: ParsedTemplate; where: TemplateLocation }
  | { kind: 'array'; items: CompiledValue[] }
  | { kind: 'object'; entries: Array<[string, CompiledValue]> };

/** Compiles `value` (walking objects and arrays iteratively deep enough for real configs). */
export function compileValue(value: unknown, where: TemplateLocation): CompiledValue {
  if (typeof value === 'string') {
    const template = parseTemplate(value, where);
    return template ? { kind: 'template', template, where } : { kind: 'const', value };
  }
  if (Array.isArray(value)) {
    const items = value.map((v, i) => compileValue(v, { ...where, field: `${where.field}[${i}]` }));
    return items.every((i) => i.kind === 'const') ? { kind: 'const', value } : { kind: 'array', items };
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(
      ([k, v]) => [k, compileValue(v, { ...where, field: `${where.field}.${k}` })] as [string, CompiledValue],
    );
    return entries.every(([, v]) => v.kind === 'const') ? { kind: 'const', value } : { kind: 'object', entries };
  }
  return { kind: 'const', value };
}

/** Renders a compiled value against a scope. */
export function renderValue(c: CompiledValue, scope: TemplateScope): unknown {
  switch (c.kind) {
    case 'const':
      return c.value;
    case 'template':
      return renderTemplate(c.template, scope, c.where);
    case 'array':
      return c.items.map((i) => renderValue(i, scope));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of c.entries) {
        // defineProperty so a "__proto__" key stays a plain data key
        Object.defineProperty(out, k, { value: renderValue(v, scope), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
  }
}

/** Every template path referenced by a compiled value (static checks). */
export function collectPaths(c: CompiledValue, out: string[][] = []): string[][] {
  if (c.kind === 'template') {
    for (const p of c.template.parts) if ('path' in p) out.push(p.path.segments.map(String));
  } else if (c.kind === 'array') c.items.forEach((i) => collectPaths(i, out));
  else if (c.kind === 'object') c.entries.forEach(([, v]) => collectPaths(v, out));
  return out;
}
