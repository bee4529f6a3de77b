import { ErrorCodes, ExpressionError, type ValidationIssue } from '../../core/index';
import { describeType, isRecord } from './dataframe-json';
import type { AdapterTransform } from './adapter-transform';

/**
 * `filter`: keeps the elements of an array for which `where` is `true` (for a single object:
 * the object, or `null`). `where` is compiled once and evaluated per row with the row's fields
 * as variables beside `variables`, `inputs`, `nodes`, `execution` and `row` (the whole
 * element, so arrays of numbers or strings can be filtered too); those roots win over a field
 * of the same name. The result must be a strict boolean.
 */
export const filterTransform: AdapterTransform = {
  name: 'filter',
  fields: ['where'],
  required: ['where'],
  validate(config, { expressions }) {
    const issues: ValidationIssue[] = [];
    if (typeof config.where !== 'string' || config.where.trim() === '') {
      return [{ path: 'config.where', message: 'must be a non-empty expression', code: ErrorCodes.WF_CONFIG_INVALID }];
    }
    try {
      expressions.compile(config.where);
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      issues.push({ path: 'config.where', message: err.message, code: err.code });
    }
    return issues;
  },
  run(input, { config, ctx, deps, fail }) {
    if (typeof config.where !== 'string' || config.where.trim() === '') return fail('filter needs "where", a non-empty expression');
    const where = config.where;
    const rethrow = (err: unknown, what: string): never => {
      if (!(err instanceof ExpressionError)) throw err;
      const details = err.details && typeof err.details === 'object' ? err.details : {};
      throw new ExpressionError(`adapter node "${ctx.nodeId}": config.where${what}: ${err.message}`, {
        code: err.code,
        details: { nodeId: ctx.nodeId, field: 'config.where', ...details },
        cause: err,
      });
    };
    let compiled;
    try {
      compiled = deps.expressions.compile(where);
    } catch (err) {
      return rethrow(err, '');
    }
    const { variables, inputs, nodes, execution } = ctx.scope;
    const test = (row: unknown, where: string): boolean => {
      const scope: Record<string, unknown> = Object.create(null);
      if (isRecord(row)) Object.assign(scope, row);
      Object.assign(scope, { variables, inputs, nodes, execution, row });
      let value: unknown;
      try {
        value = compiled.evaluate(scope);
      } catch (err) {
        return rethrow(err, ` (${where})`);
      }
      if (typeof value !== 'boolean') {
        return rethrow(
          new ExpressionError(`must evaluate to a boolean, got ${describeValue(value)}`, { details: { expression: config.where } }),
          ` (${where})`,
        );
      }
      return value;
    };
    if (Array.isArray(input)) return input.filter((row, i) => test(row, `row ${i}`));
    if (input === null || typeof input !== 'object') return fail(`filter expects an array or an object, got ${describeType(input)}`);
    return test(input, 'the input') ? input : null;
  },
};

function describeValue(value: unknown): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if (value === null || value === undefined) return type;
  const text = JSON.stringify(value) ?? String(value);
  return `${type} (${text.length > 40 ? `${text.slice(0, 37)}...` : text})`;
}
