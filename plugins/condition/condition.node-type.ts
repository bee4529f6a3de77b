import {
  defineNodeType,
  ErrorCodes,
  ExpressionError,
  Tokens,
  ValidationError,
  type ExpressionEngine,
  type NodeRunContext,
  type ValidationIssue,
} from '../../core/index';
import { conditionConfigSchema, type ConditionConfig } from './condition-config.schema';

/** The branch a multi-way condition selects when no case matches. Always a valid label. */
export const DEFAULT_BRANCH = 'default';

/**
 * Output of a condition node. Single expression: `branch` is `"true"`/`"false"` and `value`
 * the boolean. Cases: `branch` is the matched case's name and `value` that name too, or
 * `branch: "default"` and `value: null` when no case matched.
 */
export interface ConditionOutput {
  branch: string;
  value: boolean | string | null;
}

interface Deps {
  expressions: ExpressionEngine;
}

/**
 * The `condition` node type: evaluates a strict-boolean expression (or ordered cases) against
 * the execution's scope (`variables`, `inputs`, `nodes.<id>.output|error`, `execution`) and
 * selects a branch. Expressions are never template-rendered: they read the scope directly, so
 * data can never become expression syntax.
 */
export const conditionNodeType = defineNodeType<ConditionConfig, Deps>({
  type: 'condition',
  description: 'Selects a branch: "true"/"false" for one expression, or the first matching case (else "default").',
  configSchema: conditionConfigSchema,
  outputs: 'branches',
  deps: { expressions: Tokens.ExpressionEngine },
  create: ({ expressions }) => ({
    async execute(config: ConditionConfig, ctx: NodeRunContext): Promise<ConditionOutput> {
      const shape = shapeIssues(config);
      if (shape.length) {
        throw new ValidationError(`condition node "${ctx.nodeId}": ${shape[0]!.path}: ${shape[0]!.message}`, {
          code: ErrorCodes.WF_CONFIG_INVALID,
          details: shape,
        });
      }
      const { variables, inputs, nodes, execution } = ctx.scope;
      const scope = { variables, inputs, nodes, execution };
      if (config.expression !== undefined) {
        const value = evaluate(expressions, config.expression, scope, ctx.nodeId, 'config.expression');
        return { branch: value ? 'true' : 'false', value };
      }
      const cases = config.cases!;
      for (let i = 0; i < cases.length; i++) {
        const c = cases[i]!;
        if (evaluate(expressions, c.expression, scope, ctx.nodeId, `config.cases[${i}].expression (case "${c.name}")`)) {
          return { branch: c.name, value: c.name };
        }
      }
      return { branch: DEFAULT_BRANCH, value: null };
    },

    validate(config: ConditionConfig): ValidationIssue[] {
      const issues = shapeIssues(config);
      const check = (source: unknown, path: string) => {
        if (typeof source !== 'string' || source.trim() === '') return;
        try {
          expressions.compile(source);
        } catch (err) {
          if (!(err instanceof ExpressionError)) throw err;
          issues.push({ path, message: err.message, code: err.code });
        }
      };
      check(config?.expression, 'config.expression');
      if (Array.isArray(config?.cases)) config.cases.forEach((c, i) => check(c?.expression, `config.cases[${i}].expression`));
      return issues;
    },

    branches(config: ConditionConfig): string[] {
      // Called on configs that may have failed validation: never throw here.
      if (Array.isArray(config?.cases)) {
        const names = config.cases.map((c) => c?.name).filter((n): n is string => typeof n === 'string');
        return [...new Set([...names, DEFAULT_BRANCH])];
      }
      return ['true', 'false'];
    },
  }),
});

function evaluate(engine: ExpressionEngine, source: string, scope: Record<string, unknown>, nodeId: string, field: string): boolean {
  try {
    return engine.evaluateBoolean(source, scope);
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    const details = err.details && typeof err.details === 'object' ? err.details : {};
    throw new ExpressionError(`condition node "${nodeId}": ${field}: ${err.message}`, {
      code: err.code,
      details: { nodeId, field: field.split(' ')[0], ...details },
      cause: err,
    });
  }
}

/** The structural rules JSON Schema cannot phrase clearly. */
function shapeIssues(config: ConditionConfig | undefined): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const code = ErrorCodes.WF_CONFIG_INVALID;
  if (config === null || typeof config !== 'object')
    return [{ path: 'config', message: 'config must be an object with "expression" or "cases"', code }];
  const hasExpr = config.expression !== undefined;
  const hasCases = config.cases !== undefined;
  if (hasExpr && hasCases) issues.push({ path: 'config', message: 'set either "expression" or "cases", not both', code });
  if (!hasExpr && !hasCases)
    issues.push({ path: 'config', message: 'a condition needs "expression" (true/false branches) or "cases" (named branches)', code });
  if (hasExpr && (typeof config.expression !== 'string' || config.expression.trim() === '')) {
    issues.push({ path: 'config.expression', message: 'must be a non-empty string', code });
  }
  if (hasCases) {
    if (!Array.isArray(config.cases) || config.cases.length === 0) {
      issues.push({ path: 'config.cases', message: 'must be a non-empty list of { name, expression }', code });
      return issues;
    }
    const seen = new Map<string, number>();
    config.cases.forEach((c, i) => {
      const name = c?.name;
      if (typeof name !== 'string' || name === '')
        return void issues.push({ path: `config.cases[${i}].name`, message: 'must be a non-empty string', code });
      if (name === DEFAULT_BRANCH)
        issues.push({
          path: `config.cases[${i}].name`,
          message: `"${DEFAULT_BRANCH}" is reserved for the branch taken when no case matches`,
          code,
        });
      else if (seen.has(name))
        issues.push({
          path: `config.cases[${i}].name`,
          message: `duplicate case name "${name}" (first at cases[${seen.get(name)}])`,
          code,
        });
      else seen.set(name, i);
      if (typeof c?.expression !== 'string' || c.expression.trim() === '')
        issues.push({ path: `config.cases[${i}].expression`, message: 'must be a non-empty string', code });
    });
  }
  return issues;
}
