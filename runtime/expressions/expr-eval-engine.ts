import { Parser } from 'expr-eval-fork';
import type { CompiledExpression, ExpressionEngine } from '../../core/services/expression-engine';
import { ConfigurationError, ExpressionError } from '../../core/errors/weft-error';
import { maxBracketNesting, operandTokens, scanExpression } from './expression-scanner';
import { buildExpressionTree, expressionError, type ExprNode, type RpnInstruction } from './expression-tree';
import { copyScope, planScope, toPlainResult, type ScopePlan } from './expression-scope';
import { evaluateTree, preview } from './expression-evaluator';
import { toPositionedParseError } from './expression-parse-error';
import { EXPRESSION_FUNCTIONS } from './expression-functions';
import { LRUCache } from 'lru-cache';

/** Limits of the expression engine; every field has a default. */
export interface ExprEvalEngineOptions {
  /** Longest accepted expression, in characters (default 4096). */
  maxLength?: number;
  /** Deepest bracket nesting and syntax-tree depth (default 100): bounds parser and evaluator recursion. */
  maxDepth?: number;
  /** Parsed expressions kept, least recently used evicted first (default 1000). */
  cacheSize?: number;
  /** Deepest nesting of the data an expression reads (default 1000). */
  maxDataDepth?: number;
}

export const DEFAULT_EXPRESSION_LIMITS: Required<ExprEvalEngineOptions> = {
  maxLength: 4096,
  maxDepth: 100,
  cacheSize: 1000,
  maxDataDepth: 1000,
};

/**
 * The hardened expression language of conditions and filters: expr-eval-fork's parser with
 * assignment, function definition and factorial disabled and only `-`, `+`, `not` as named
 * unary operators, then weft's own checks and evaluator over the parsed instructions. The
 * library's evaluator is not used: it resolves names through prototypes, coerces types, and
 * its prototype guard rejects harmless names such as `prototypeId`.
 *
 * Language: numbers, strings, `true`/`false`/`null`, arrays `[a, b]`; `+ - * / % ^` on numbers;
 * `||` joins strings or arrays; `== !=` compare JSON values structurally; `< > <= >=` compare two
 * numbers or two strings; `and or not` and `c ? a : b` take booleans only; `x in list` (or a
 * substring test on strings); `a.b` and `a[i]` read own properties (negative indices count from
 * the end); unary `+` turns a numeric string into a number; the functions are
 * {@link EXPRESSION_FUNCTIONS}. A missing variable or property is an `ExpressionError` naming it
 * (use `has(obj, "key")` to test). `__proto__`, `prototype` and `constructor` are refused as
 * names, members and literal keys.
 */
export class ExprEvalEngine implements ExpressionEngine {
  private readonly limits: Required<ExprEvalEngineOptions>;
  private readonly parser: Parser;
  private readonly cache: LRUCache<string, CompiledExpression> | undefined;

  constructor(options: ExprEvalEngineOptions = {}) {
    this.limits = { ...DEFAULT_EXPRESSION_LIMITS, ...stripUndefined(options) };
    for (const [key, value] of Object.entries(this.limits)) {
      if (!Number.isInteger(value) || value < (key === 'cacheSize' ? 0 : 1)) {
        throw new ConfigurationError(
          `expression engine option "${key}" must be a ${key === 'cacheSize' ? 'non-negative' : 'positive'} integer, got ${String(value)}`,
        );
      }
    }
    this.parser = createHardenedParser();
    // lru-cache needs max >= 1; a size of 0 turns caching off
    this.cache = this.limits.cacheSize > 0 ? new LRUCache({ max: this.limits.cacheSize }) : undefined;
  }

  /** Parses and checks `source`, or returns the cached result of an earlier compile of the same text. */
  compile(source: string): CompiledExpression {
    if (typeof source !== 'string') throw new ExpressionError(`an expression must be a string, got ${preview(source)}`);
    const cached = this.cache?.get(source);
    if (cached) return cached;
    const compiled = this.compileUncached(source);
    this.cache?.set(source, compiled);
    return compiled;
  }

  /** Parses without touching the cache (benchmarks compare the two). */
  compileUncached(source: string): CompiledExpression {
    const { maxLength, maxDepth, maxDataDepth } = this.limits;
    if (source.length > maxLength)
      throw expressionError(`expression is ${source.length} characters long; the limit is ${maxLength}`, source.slice(0, 200));
    if (source.trim() === '') throw expressionError('expression is empty', source);
    const tokens = scanExpression(source);
    const nesting = maxBracketNesting(tokens, maxDepth);
    if (nesting.depth > maxDepth)
      throw expressionError(`expression is nested too deeply (more than ${maxDepth} levels of brackets)`, source, nesting.at);
    let instructions: RpnInstruction[];
    try {
      instructions = (this.parser.parse(source) as unknown as { tokens: RpnInstruction[] }).tokens;
    } catch (err) {
      if (err instanceof RangeError) throw expressionError('expression is nested too deeply', source);
      throw toPositionedParseError(err, source, tokens, (s) => this.parser.parse(s));
    }
    let tree: ExprNode;
    try {
      tree = buildExpressionTree(instructions, operandTokens(tokens), source, maxDepth);
    } catch (err) {
      if (err instanceof RangeError) throw expressionError('expression is nested too deeply', source);
      throw err;
    }
    return new HardenedExpression(source, tree, planScope(tree), maxDataDepth);
  }

  evaluateBoolean(source: string, scope: Record<string, unknown>): boolean {
    return requireBoolean(this.compile(source).evaluate(scope), source);
  }

  /** Number of cached parsed expressions. */
  get cacheSize(): number {
    return this.cache?.size ?? 0;
  }
}

/** Throws unless `value` is a boolean; the message names the type and value it got. */
export function requireBoolean(value: unknown, source: string): boolean {
  if (typeof value !== 'boolean') throw expressionError(`expression must evaluate to a boolean, got ${preview(value)}`, source);
  return value;
}

class HardenedExpression implements CompiledExpression {
  constructor(
    readonly source: string,
    private readonly tree: ExprNode,
    private readonly plan: ScopePlan,
    private readonly maxDataDepth: number,
  ) {
    Object.freeze(this);
  }

  evaluate(scope: Record<string, unknown>): unknown {
    const data = scope !== null && typeof scope === 'object' ? scope : {};
    const copy = copyScope(data, this.plan, this.source, this.maxDataDepth);
    return toPlainResult(evaluateTree(this.tree, copy, this.source));
  }
}

/**
 * A parser whose operator tables hold only what weft allows, as null-prototype objects: the
 * tokenizer looks names up with `in`, so ordinary objects would turn `constructor` into an operator.
 */
function createHardenedParser(): Parser {
  const parser = new Parser({ operators: { assignment: false, fndef: false, factorial: false, in: true } });
  const nullProto = <T>(entries: Record<string, T>): Record<string, T> => Object.assign(Object.create(null), entries);
  const noop = () => {
    throw new ExpressionError('expr-eval evaluation is disabled; weft evaluates the parsed expression itself');
  };
  parser.unaryOps = nullProto({ '-': noop, '+': noop, not: noop });
  (parser as unknown as { binaryOps: object }).binaryOps = nullProto(
    Object.fromEntries(
      ['+', '-', '*', '/', '%', '^', '||', '==', '!=', '>', '<', '>=', '<=', 'and', 'or', 'in', '['].map((op) => [op, noop]),
    ),
  );
  (parser as unknown as { ternaryOps: object }).ternaryOps = nullProto({ '?': noop });
  parser.functions = nullProto(Object.fromEntries(Object.keys(EXPRESSION_FUNCTIONS).map((name) => [name, noop])));
  parser.consts = nullProto<unknown>({ true: true, false: false });
  return parser;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
