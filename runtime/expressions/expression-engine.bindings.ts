import { bind, type ServiceBinding } from '../../core/kernel/kernel';
import { Tokens } from '../../core/di/tokens';
import type { ExpressionEngine } from '../../core/services/expression-engine';
import { ExprEvalEngine, type ExprEvalEngineOptions } from './expr-eval-engine';

/** Binds the hardened expr-eval engine to `Tokens.ExpressionEngine` (options: length, depth and cache limits). */
export function expressionEngineBinding(options: ExprEvalEngineOptions = {}): ServiceBinding<ExpressionEngine> {
  return bind(Tokens.ExpressionEngine, () => new ExprEvalEngine(options));
}
