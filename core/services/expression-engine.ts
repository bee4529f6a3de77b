/** A parsed, cached expression. */
export interface CompiledExpression {
  readonly source: string;
  /** Evaluates against plain JSON data (copied into a null-prototype scope). */
  evaluate(scope: Record<string, unknown>): unknown;
}

/**
 * The hardened expression language of conditions and filters (expr-eval-fork in runtime).
 * `compile` throws `ExpressionError` with the position of the problem.
 */
export interface ExpressionEngine {
  compile(source: string): CompiledExpression;
  /** Evaluates and requires a strict boolean. */
  evaluateBoolean(source: string, scope: Record<string, unknown>): boolean;
}
