/** A function expressions may call. Implementations check their argument types and throw `TypeError`s with a plain message. */
export interface ExpressionFunction {
  minArgs: number;
  maxArgs: number;
  call(args: unknown[]): unknown;
}

/** The JSON type name of a value, as messages show it. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function number(args: unknown[], i: number, fn: string): number {
  const v = args[i];
  if (typeof v !== 'number') throw new TypeError(`${fn}() expects a number, got ${jsonTypeOf(v)}`);
  return v;
}

function string(args: unknown[], i: number, fn: string): string {
  const v = args[i];
  if (typeof v !== 'string') throw new TypeError(`${fn}() expects a string, got ${jsonTypeOf(v)}`);
  return v;
}

const math = (fn: string, f: (x: number) => number): ExpressionFunction => ({
  minArgs: 1,
  maxArgs: 1,
  call: (args) => f(number(args, 0, fn)),
});

const extremum = (fn: string, pick: (values: number[]) => number): ExpressionFunction => ({
  minArgs: 1,
  maxArgs: Infinity,
  call: (args) => {
    const list = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
    if (list.length === 0) throw new TypeError(`${fn}() of an empty list`);
    return pick(list.map((_, i) => number(list, i, fn)));
  },
});

/**
 * The allowlist: every function an expression can call. Nothing from the scope can be called,
 * and expr-eval's own functions (map, fold, random, ...) are not reachable.
 */
export const EXPRESSION_FUNCTIONS: Readonly<Record<string, ExpressionFunction>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, ExpressionFunction>, {
    abs: math('abs', Math.abs),
    ceil: math('ceil', Math.ceil),
    floor: math('floor', Math.floor),
    round: math('round', Math.round),
    trunc: math('trunc', Math.trunc),
    sign: math('sign', Math.sign),
    sqrt: math('sqrt', Math.sqrt),
    min: extremum('min', (v) => v.reduce((a, b) => (b < a ? b : a))),
    max: extremum('max', (v) => v.reduce((a, b) => (b > a ? b : a))),
    length: {
      minArgs: 1,
      maxArgs: 1,
      call: (args: unknown[]) => {
        const v = args[0];
        if (typeof v === 'string' || Array.isArray(v)) return v.length;
        throw new TypeError(`length() expects a string or an array, got ${jsonTypeOf(v)}`);
      },
    },
    lower: { minArgs: 1, maxArgs: 1, call: (args: unknown[]) => string(args, 0, 'lower').toLowerCase() },
    upper: { minArgs: 1, maxArgs: 1, call: (args: unknown[]) => string(args, 0, 'upper').toUpperCase() },
    has: {
      minArgs: 2,
      maxArgs: 2,
      call: (args: unknown[]) => {
        const [obj] = args;
        const key = string(args, 1, 'has');
        if (key === '__proto__' || key === 'constructor' || key === 'prototype')
          throw new TypeError(`has() does not accept the key "${key}"`);
        if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return false;
        return Object.hasOwn(obj, key);
      },
    },
  }),
);
