import assert from 'node:assert/strict';
import {
  chunkValues,
  combinePartials,
  concatValues,
  countValues,
  emptyPartial,
  finishNumeric,
  mergeObjects,
  numericPartial,
} from '../../../plugins/aggregator/aggregate-strategies';
import { NodeExecutionError } from '../../../core/errors/weft-error';

describe('aggregate strategies (pure functions)', () => {
  const reduce = (strategy: 'sum' | 'avg' | 'min' | 'max', inputs: unknown[], field?: string, size = 3) => {
    let acc = emptyPartial();
    for (const chunk of chunkValues(inputs, size)) acc = combinePartials(acc, numericPartial(strategy, chunk, field));
    return finishNumeric(strategy, acc);
  };

  it('chunks spread arrays one level without copying them, and keeps track of where each value came from', () => {
    const big = [3, 4, 5, 6];
    const nested = [[8]];
    const chunks = [...chunkValues([1, 2, big, 7, [], nested], 3)];
    assert.deepEqual(
      chunks.map((c) => ({ ...c, items: c.spread ? 'input' : c.items })),
      [
        { inputIndex: 0, spread: false, items: [1, 2], from: 0, to: 2 },
        { inputIndex: 2, spread: true, items: 'input', from: 0, to: 3 },
        { inputIndex: 2, spread: true, items: 'input', from: 3, to: 4 },
        { inputIndex: 3, spread: false, items: [7], from: 0, to: 1 },
        { inputIndex: 5, spread: true, items: 'input', from: 0, to: 1 },
      ],
    );
    assert.equal(chunks[1]!.items, big);
  });

  it('sum, avg, min, max over scalars and spread arrays, with and without field', () => {
    const inputs = [1, [2, 3, 4], 10];
    assert.equal(reduce('sum', inputs), 20);
    assert.equal(reduce('avg', inputs), 4);
    assert.equal(reduce('min', inputs), 1);
    assert.equal(reduce('max', inputs), 10);
    const rows = [[{ amount: 5 }, { amount: 7 }], { amount: -2 }, [{ amount: 1.5, x: 'n/a' }]];
    assert.equal(reduce('sum', rows, 'amount'), 11.5);
    assert.equal(reduce('min', rows, 'amount'), -2);
    assert.equal(reduce('sum', [[{ price: { net: 2 } }, { price: { net: 3 } }]], 'price.net'), 5);
  });

  it('fails on a non-numeric value, naming where it is and what it was', () => {
    assert.throws(
      () => reduce('sum', [[1, 2, 3, 4, '5']]),
      (e: unknown) => {
        assert.ok(e instanceof NodeExecutionError);
        assert.match(e.message, /sum: inputs\[0\]\[4\] is not a number \(got string "5"\)/);
        return true;
      },
    );
    assert.throws(() => reduce('avg', [1, null]), /inputs\[1\] is not a number \(got null null\)/);
    assert.throws(() => reduce('max', [[{ amount: 1 }, { amount: 'x' }]], 'amount'), /inputs\[0\]\[1\]\.amount is not a number/);
    assert.throws(() => reduce('sum', [[{ amount: 1 }, { total: 2 }]], 'amount'), /inputs\[0\]\[1\] has no field "amount"/);
    // Inherited properties are not fields.
    assert.throws(() => reduce('sum', [{}], 'constructor'), /has no field "constructor"/);
  });

  it('sum of nothing is 0; avg, min and max of nothing fail clearly', () => {
    assert.equal(reduce('sum', []), 0);
    for (const s of ['avg', 'min', 'max'] as const) assert.throws(() => reduce(s, [[], []]), new RegExp(`${s}: there are no values`));
  });

  it('count spreads arrays one level and never fails on non-numbers', () => {
    assert.equal(countValues([1, [2, 'x', null], { a: 1 }, [[1, 2]], []]), 6);
    assert.equal(countValues([]), 0);
  });

  it('merge: deep, later inputs win, arrays replace, inputs untouched', () => {
    const a = Object.freeze({ x: 1, nested: Object.freeze({ keep: true, over: 'a', list: Object.freeze([1]) }) });
    const b = { nested: { over: 'b', list: [2, 3], added: { deep: 1 } }, y: 2 };
    const c = { nested: { added: { deeper: 2 } }, x: { now: 'object' } };
    assert.deepEqual(mergeObjects([a, b, c]), {
      x: { now: 'object' },
      nested: { keep: true, over: 'b', list: [2, 3], added: { deep: 1, deeper: 2 } },
      y: 2,
    });
    assert.deepEqual(a, { x: 1, nested: { keep: true, over: 'a', list: [1] } });
    assert.deepEqual(b.nested.added, { deep: 1 });
    // A later scalar replaces an earlier object, and a later object replaces it again.
    assert.deepEqual(mergeObjects([{ k: { a: 1 } }, { k: 5 }, { k: { b: 2 } }]), { k: { b: 2 } });
    assert.deepEqual(mergeObjects([]), {});
  });

  it('merge drops __proto__, constructor and prototype at every depth and pollutes nothing', () => {
    const hostile = [
      JSON.parse('{"__proto__":{"polluted":1},"safe":1}'),
      JSON.parse('{"constructor":{"prototype":{"polluted":2}},"prototype":{"polluted":3}}'),
      JSON.parse('{"nested":{"__proto__":{"polluted":4},"constructor":{"prototype":{"polluted":5}},"ok":true}}'),
    ];
    const out = mergeObjects(hostile);
    assert.deepEqual(out, { safe: 1, nested: { ok: true } });
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal(Object.getPrototypeOf(out.nested), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.hasOwn(out, '__proto__'), false);
    assert.equal(Object.hasOwn(out, 'constructor'), false);
  });

  it('merge refuses non-objects and survives very deep inputs', () => {
    assert.throws(() => mergeObjects([{ a: 1 }, [1, 2]]), /merge: inputs\[1\] is not an object \(got array \[1,2\]\)/);
    assert.throws(() => mergeObjects([null]), /inputs\[0\] is not an object \(got null null\)/);
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 50_000; i++) deep = { d: deep };
    const out = mergeObjects([deep, { extra: true }]);
    assert.equal(out.extra, true);
  });

  it('concat: arrays contribute their items, other inputs are appended as one item', () => {
    assert.deepEqual(concatValues([[1, 2], [], [[3]], 4, { a: 1 }, null]), [1, 2, [3], 4, { a: 1 }, null]);
    assert.deepEqual(concatValues([]), []);
  });
});
