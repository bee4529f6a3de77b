import assert from 'node:assert/strict';
import { ExprEvalEngine } from '../../../runtime/expressions/expr-eval-engine';
import { ExpressionError } from '../../../core';

function rejects(engine: ExprEvalEngine, source: string, pattern: RegExp, scope: Record<string, unknown> = {}): void {
  let caught: unknown;
  try {
    engine.compile(source).evaluate(scope);
  } catch (err) {
    caught = err;
  }
  assert.ok(
    caught instanceof ExpressionError,
    `${JSON.stringify(source.slice(0, 80))}: expected an ExpressionError, got ${String(caught)}`,
  );
  assert.match(caught.message, pattern);
}

describe('ExprEvalEngine against hostile expressions', () => {
  const engine = new ExprEvalEngine();
  const scope = { x: { y: 1, f: 'not a function' }, list: [1, 2], s: 'text' };

  describe('prototype access', () => {
    for (const name of ['__proto__', 'prototype', 'constructor']) {
      it(`refuses "${name}" as a name`, () => rejects(engine, `${name}`, new RegExp(`"${name}" is not allowed as a name at character 1`)));
      it(`refuses "${name}" as a member`, () =>
        rejects(engine, `x.${name}`, new RegExp(`"${name}" is not allowed as a member at character 3`), scope));
      it(`refuses "${name}" as a literal key`, () =>
        rejects(engine, `x["${name}"]`, new RegExp(`"${name}" is not allowed as a key`), scope));
    }

    it('refuses a computed forbidden key at run time', () => {
      rejects(engine, 'x[k]', /"__proto__" is not allowed as a key/, { ...scope, k: '__proto__' });
      rejects(engine, 'x[k || "ructor"]', /"constructor" is not allowed as a key/, { ...scope, k: 'const' });
    });

    it('does not find inherited members such as toString or hasOwnProperty', () => {
      rejects(engine, 'x.toString', /x has no property "toString"/, scope);
      rejects(engine, 'toString', /unknown variable "toString"/, scope);
      rejects(engine, 'x["hasOwnProperty"]', /x has no property "hasOwnProperty"/, scope);
      rejects(engine, 'list.map', /list has no property "map"/, scope);
      rejects(engine, 's.concat', /cannot read "concat" of s: it is string/, scope);
    });

    it('keeps data with an own "__proto__" key as plain data', () => {
      const data = JSON.parse('{"payload": {"__proto__": {"polluted": true}, "ok": 1}}');
      assert.equal(engine.compile('payload.ok == 1').evaluate(data), true);
      rejects(engine, 'payload.polluted', /payload has no property "polluted"/, data);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  });

  describe('calls', () => {
    it('refuses calling scope members', () => {
      rejects(engine, 'x.f()', /only built-in functions can be called .*; x\.f is not one at character 1/, scope);
      rejects(engine, 'nodes.x.output.f()', /nodes\.x\.output\.f is not one/);
      rejects(engine, 'list[0]()', /list\[0\] is not one/, scope);
    });

    it('refuses a function passed in the scope', () => {
      let called = false;
      const evil = { f: () => (called = true) };
      rejects(engine, 'f()', /unknown function "f"/, evil);
      rejects(engine, 'f', /unknown variable "f"/, evil);
      assert.equal(called, false);
    });

    it("refuses expr-eval's own functions and math operators", () => {
      for (const fn of ['map', 'fold', 'filter', 'random', 'if', 'join', 'indexOf', 'sin', 'exp', 'log', 'gamma', 'roundTo']) {
        rejects(engine, `${fn}(1)`, new RegExp(`unknown function "${fn}"`));
      }
      rejects(engine, '3!', /"!" is not allowed/);
    });

    it('skips non-JSON values in the scope (functions, class instances)', () => {
      const data = { when: new Date(0), m: new Map([['a', 1]]), fn: () => 1, ok: { n: 1, f: () => 1 } };
      rejects(engine, 'when', /unknown variable "when"/, data);
      rejects(engine, 'm', /unknown variable "m"/, data);
      rejects(engine, 'ok.f', /ok has no property "f"/, data);
      assert.deepEqual(engine.compile('ok').evaluate(data), { n: 1 });
    });

    it('never mutates the scope it reads', () => {
      const data = { a: { list: [1, 2] } };
      const out = engine.compile('a.list || [3]').evaluate(data);
      assert.deepEqual(out, [1, 2, 3]);
      assert.deepEqual(data, { a: { list: [1, 2] } });
    });
  });

  describe('assignment and definitions', () => {
    it('refuses assignment', () =>
      rejects(engine, 'x = 1', /assignment and function definition \("="\) are not allowed; use == to compare at character 3/));
    it('refuses member assignment', () => rejects(engine, 'x.y = 1', /assignment .* not allowed/));
    it('refuses function definition', () => rejects(engine, 'f(x) = x', /assignment and function definition .* at character 6/));
    it('refuses recursive definitions', () => rejects(engine, 'fac(n) = n < 2 ? 1 : n * fac(n - 1); fac(30)', /not allowed/));
    it('refuses statement sequences', () =>
      rejects(engine, 'x.y; x.y', /statement separators \(";"\) are not allowed at character 4/, scope));
  });

  describe('size and depth', () => {
    it('caps the length', () => {
      rejects(engine, `a${' + a'.repeat(1100)}`, /characters long; the limit is 4096/);
      const small = new ExprEvalEngine({ maxLength: 20 });
      rejects(small, 'aaaaaaaaaaaaaaaaaaaaaaaaa', /25 characters long; the limit is 20/);
    });

    it('caps bracket nesting before parsing', () => {
      rejects(engine, `${'('.repeat(500)}1${')'.repeat(500)}`, /nested too deeply \(more than 100 levels of brackets\) at character 101/);
      rejects(engine, `${'['.repeat(300)}1${']'.repeat(300)}`, /nested too deeply/);
    });

    it('caps the depth of operator chains', () => {
      rejects(engine, `2${'^2'.repeat(1500)}`, /nested too deeply \(more than 100 levels\)/);
      rejects(engine, `${'-'.repeat(3000)}1`, /nested too deeply/);
      rejects(engine, `${'not '.repeat(1000)}true`, /nested too deeply/);
      rejects(engine, `${'true ? '.repeat(250)}1${' : 2'.repeat(250)}`, /nested too deeply/);
      rejects(engine, Array.from({ length: 300 }, () => 'a').join(' and '), /nested too deeply/);
    });

    it('turns a parser stack overflow into an ExpressionError when limits are raised', () => {
      const loose = new ExprEvalEngine({ maxLength: 2_000_000, maxDepth: 1_000_000 });
      rejects(loose, `${'('.repeat(200_000)}1${')'.repeat(200_000)}`, /nested too deeply/);
    });

    it('stays linear on wide expressions', () => {
      const wide = `x in [${Array.from({ length: 800 }, (_, i) => i).join(',')}]`;
      assert.equal(engine.compile(wide).evaluate({ x: 799 }), true);
    });

    it('bounds what || can build', () => {
      const big = { list: new Array(400_000).fill(0) };
      rejects(engine, 'list || list || list', /"\|\|" would build a value longer than 1000000/, big);
      assert.equal((engine.compile('list || list').evaluate(big) as unknown[]).length, 800_000);
    });

    it('bounds deeply nested data', () => {
      let deep: unknown = 1;
      for (let i = 0; i < 2000; i++) deep = { d: deep };
      rejects(engine, 'data == 1', /nested deeper than 1000 levels/, { data: deep });
      // Only what the expression reaches is copied: the deep branch is never touched here.
      assert.equal(engine.compile('other == 1').evaluate({ data: deep, other: 1 }), true);
    });
  });
});
