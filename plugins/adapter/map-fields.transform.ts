import { ErrorCodes, type ValidationIssue } from '../../core/index';
import { isForbiddenKey, lookupPath, parseFieldPath, type PathSegment } from './field-path';
import { describeType, isRecord } from './dataframe-json';
import type { AdapterTransform } from './adapter-transform';

/**
 * `map_fields`: `{ newName: "source.path" }` applied to each element of an array (or to one
 * object); only the mapped fields are kept, in mapping order. Paths follow own properties and
 * `[index]`es only. A missing source path gives `null` (tabular data keeps its shape), or an
 * error naming the row and path with `missing: "error"`.
 */
export const mapFieldsTransform: AdapterTransform = {
  name: 'map_fields',
  fields: ['mapping', 'missing'],
  required: ['mapping'],
  validate: (config) => mappingIssues(config.mapping),
  run(input, { config, fail }) {
    const issues = mappingIssues(config.mapping);
    if (issues.length) return fail(`map_fields: ${issues[0]!.path}: ${issues[0]!.message}`);
    const plan: Array<[string, string, PathSegment[]]> = Object.entries(config.mapping!).map(([name, path]) => [
      name,
      path,
      parseFieldPath(path) as PathSegment[],
    ]);
    const strict = config.missing === 'error';
    const mapRow = (row: unknown, where: string): Record<string, unknown> => {
      if (!isRecord(row)) return fail(`map_fields expects objects, but ${where} is ${describeType(row)}`);
      const out: Record<string, unknown> = {};
      for (const [name, path, segments] of plan) {
        const hit = lookupPath(row, segments);
        if (hit.found) out[name] = hit.value;
        else if (strict) return fail(`map_fields: ${where} has no "${path}" (for field "${name}")`);
        else out[name] = null;
      }
      return out;
    };
    return Array.isArray(input) ? input.map((row, i) => mapRow(row, `row ${i}`)) : mapRow(input, 'the input');
  },
};

/** Problems of a `mapping` (shape, field names, path syntax). */
function mappingIssues(mapping: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isRecord(mapping) || Object.keys(mapping).length === 0) {
    return [
      { path: 'config.mapping', message: 'must map at least one new field name to a source path', code: ErrorCodes.WF_CONFIG_INVALID },
    ];
  }
  for (const [name, path] of Object.entries(mapping)) {
    if (isForbiddenKey(name))
      issues.push({
        path: `config.mapping.${name}`,
        message: `"${name}" is not allowed as a field name`,
        code: ErrorCodes.WF_CONFIG_INVALID,
      });
    const parsed = parseFieldPath(path as string);
    if ('error' in parsed) issues.push({ path: `config.mapping.${name}`, message: parsed.error, code: ErrorCodes.WF_CONFIG_INVALID });
  }
  return issues;
}
