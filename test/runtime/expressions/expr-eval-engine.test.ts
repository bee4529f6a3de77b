import assert from 'node:assert/strict';
import { ExprEvalEngine } from '../../../runtime/expressions/expr-eval-engine';
import { expressionEngineBinding } from '../../../runtime/expressions/expression-engine.bindings';
import { ConfigurationError, ExpressionError, Tokens } from '../../../core';
import { startTestKernel } from '../../support/test-kernel';

const scope = {
  variables: { threshold: 100, name: 'Weft', tags: ['a', 'b'], prototypeId: 7 },
  inputs: { count: '42' },
  nodes: {
    fetch: { output: { body: { total: 150, items: [1, 2, 3], nested: { deep: [{ v: 'x' }] }, 'first name': 'Ada' } } },
    failed: { error: { type: 'TransientError', message: 'boom' } },
  },
  execution: { id: 'e1', startedAt: '2026-01-01T00:00:00.000Z' },
};

/** Asserts that `fn` throws an ExpressionError whose message matches `pattern`. */
function throwsExpr(fn: () => unknown, pattern: RegExp): ExpressionError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ExpressionError, `expected an ExpressionError, got ${String(caught)}`);
  assert.match(caught.message, pattern);
  assert.equal(caught.code, 'WF_EXPRESSION');
  return caught;
}

describe('ExprEvalEngine', () => {
  const engine = new ExprEvalEngine();
  const ev = (src: string, s: Record<string, unknown> = scope) => engine.compile(src).evaluate(s);

  describe('language', () => {
    it('compares scope values with variables', () => {
      assert.equal(engine.evaluateBoolean('nodes.fetch.output.body.total > variables.threshold', scope), true);
      assert.equal(engine.evaluateBoolean('nodes.fetch.output.body.total <= variables.threshold', scope), false);
    });

    it('does arithmetic on numbers and joins strings and arrays with ||', () => {
      assert.equal(ev('(1 + 2) * 3 - 4 / 2 % 3 + 2 ^ 3'), 9 - ((4 / 2) % 3) + 8);
      assert.equal(ev('variables.name || "-" || 1'), 'Weft-1');
      assert.deepEqual(ev('[1, 2] || variables.tags'), [1, 2, 'a', 'b']);
    });

    it('short-circuits and/or and evaluates only the taken ternary branch', () => {
      assert.equal(ev('false and missing'), false);
      assert.equal(ev('true or missing'), true);
      assert.equal(ev('true ? 1 : missing'), 1);
    });

    it('compares JSON values structurally with == and supports in', () => {
      assert.equal(ev('variables.tags == ["a", "b"]'), true);
      assert.equal(ev('variables.tags != ["b", "a"]'), true);
      assert.equal(ev('"b" in variables.tags'), true);
      assert.equal(ev('"ea" in "weave"'), true);
      assert.equal(ev('null == null'), true);
    });

    it('reads own properties, indices (negative from the end), and string keys', () => {
      assert.equal(ev('nodes.fetch.output.body.items[0] + nodes.fetch.output.body.items[-1]'), 4);
      assert.equal(ev('nodes.fetch.output.body.nested.deep[0].v'), 'x');
      assert.equal(ev('nodes.fetch.output.body["first name"]'), 'Ada');
      assert.equal(ev('nodes.fetch.output.body.items.length + variables.name.length'), 7);
    });

    it('offers the allowlisted functions and unary + as numeric conversion', () => {
      assert.equal(ev('abs(-2) + ceil(1.2) + floor(1.8) + round(1.5) + trunc(-1.5) + sign(-3) + sqrt(9)'), 2 + 2 + 1 + 2 - 1 - 1 + 3);
      assert.equal(ev('min(3, 1, 2) + max(nodes.fetch.output.body.items)'), 4);
      assert.equal(ev('length(variables.tags) + length("abc")'), 5);
      assert.equal(ev('lower(variables.name) || upper("x")'), 'weftX');
      assert.equal(ev('+inputs.count + 1'), 43);
      assert.equal(ev('has(nodes.failed, "error") and not has(nodes.fetch, "error")'), true);
    });

    it('lets a variable share a function name when it is not called', () => {
      assert.equal(ev('min + 1', { min: 4 }), 5);
    });

    it('returns ordinary objects, not the null-prototype copies', () => {
      const out = ev('nodes.fetch.output.body.nested') as object;
      assert.equal(Object.getPrototypeOf(out), Object.prototype);
      assert.deepEqual(out, { deep: [{ v: 'x' }] });
    });

    it('allows names that merely contain a forbidden word', () => {
      assert.equal(
        ev('variables.prototypeId + prototypeId + constructorName.length', { ...scope, prototypeId: 1, constructorName: 'ab' }),
        10,
      );
    });
  });

  describe('strict booleans', () => {
    for (const [src, type] of [
      ['"false"', /got string \("false"\)/],
      ['1', /got number \(1\)/],
      ['null', /got null/],
      ['variables.tags', /got array/],
    ] as const) {
      it(`rejects ${src} as a condition result`, () => {
        throwsExpr(() => engine.evaluateBoolean(src, scope), type);
      });
    }

    it('wants booleans for and/or/not and the ternary test', () => {
      throwsExpr(() => ev('1 and true'), /"and" expects booleans, got number \(1\)/);
      throwsExpr(() => ev('not "x"'), /"not" expects a boolean/);
      throwsExpr(() => ev('1 ? 2 : 3'), /condition of "\? :" must be a boolean/);
    });

    it('does not coerce in arithmetic or ordering', () => {
      throwsExpr(() => ev('inputs.count + 1'), /"\+" expects numbers, got string and number \(use \|\| to join strings\) at character 1/);
      throwsExpr(() => ev('inputs.count > 1'), /compares two numbers or two strings, got string and number/);
    });
  });

  describe('errors name what and where', () => {
    it('names a missing variable', () => {
      const err = throwsExpr(() => ev('1 + missingVar'), /unknown variable "missingVar" at character 5/);
      assert.deepEqual(err.details, { expression: '1 + missingVar', position: 5 });
    });

    it('names a missing property and its owner', () => {
      throwsExpr(() => ev('nodes.fetch.output.body.totl > 1'), /nodes\.fetch\.output\.body has no property "totl" at character 25/);
      throwsExpr(() => ev('nodes.nope.output'), /nodes has no property "nope" at character 7/);
      throwsExpr(() => ev('nodes.fetch.output.body.total.x'), /cannot read "x" of nodes\.fetch\.output\.body\.total: it is number/);
      throwsExpr(() => ev('nodes.fetch.output.body.items[7]'), /has no element 7 \(length 3\)/);
    });

    it('gives the character of parse errors', () => {
      throwsExpr(() => engine.compile('a > > 3'), /unexpected ">" at character 5/);
      throwsExpr(() => engine.compile('a >'), /unexpected end of expression at character 4/);
      throwsExpr(() => engine.compile('(a'), /expected "\)" but the expression ended at character 3/);
      throwsExpr(() => engine.compile('a b'), /expected the end of the expression but found "b" at character 3/);
      throwsExpr(() => engine.compile('a @ b'), /unexpected character "@" at character 3/);
      throwsExpr(() => engine.compile('"open'), /unterminated string at character 1/);
      throwsExpr(() => engine.compile('a\n  > > 3'), /at character 7/);
    });

    it('keeps positions right across comments and hex, binary and exponent literals', () => {
      assert.equal(ev('/* c */ 0x10 + 0b11 + 1e2'), 119);
      throwsExpr(() => ev('/* c */ 0x10 + 0b11 + 1e2 + missing'), /unknown variable "missing" at character 29/);
      throwsExpr(() => ev("'it\\'s' == x.nope", { x: {} }), /x has no property "nope" at character 14/);
    });

    it('rejects empty and non-string expressions', () => {
      throwsExpr(() => engine.compile('   '), /expression is empty/);
      throwsExpr(() => engine.compile(42 as unknown as string), /must be a string, got number/);
    });
  });

  describe('caching', () => {
    it('returns the same compiled object for the same text', () => {
      const e = new ExprEvalEngine();
      const a = e.compile('x > 1');
      assert.equal(e.compile('x > 1'), a);
      assert.notEqual(e.compileUncached('x > 1'), a);
      assert.equal(e.cacheSize, 1);
    });

    it('evicts the least recently used entry beyond its size', () => {
      const e = new ExprEvalEngine({ cacheSize: 2 });
      const a = e.compile('a');
      e.compile('b');
      assert.equal(e.compile('a'), a); // a is now the most recent
      e.compile('c'); // evicts b
      assert.equal(e.cacheSize, 2);
      assert.equal(e.compile('a'), a);
      const b2 = e.compile('b');
      assert.notEqual(b2, undefined);
      assert.notEqual(e.compile('c'), undefined);
      assert.equal(e.cacheSize, 2);
    });

    it('does not cache failures', () => {
      const e = new ExprEvalEngine();
      assert.throws(() => e.compile('a >'), ExpressionError);
      assert.equal(e.cacheSize, 0);
    });
  });

  describe('options and binding', () => {
    it('rejects invalid limits', () => {
      assert.throws(() => new ExprEvalEngine({ maxLength: 0 }), ConfigurationError);
      assert.throws(() => new ExprEvalEngine({ cacheSize: -1 }), ConfigurationError);
    });

    it('binds to Tokens.ExpressionEngine', async () => {
      const kernel = startTestKernel({ services: [expressionEngineBinding({ maxLength: 10 })] });
      try {
        const bound = kernel.get(Tokens.ExpressionEngine);
        assert.ok(bound instanceof ExprEvalEngine);
        assert.equal(bound.evaluateBoolean('1 < 2', {}), true);
        assert.throws(() => bound.compile('12345678901'), /11 characters long; the limit is 10/);
      } finally {
        await kernel.stop();
      }
    });
  });
});
