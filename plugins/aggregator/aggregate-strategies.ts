// Deep import on purpose: this file also loads in worker threads, where the whole core barrel
// (kernel, DI, schemas) would only slow every thread's start.
import { NodeExecutionError } from '../../core/errors/weft-error';

/** Strategies that reduce numbers (and may run in the worker pool). */
export const NUMERIC_STRATEGIES = ['sum', 'avg', 'min', 'max'] as const;
export type NumericStrategy = (typeof NUMERIC_STRATEGIES)[number];

/** What a run over some values found; partials of separate chunks combine exactly. */
export interface NumericPartial {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/**
 * A slice of the (one level spread) values: `items[from, to)`. When `spread`, `items` is array
 * input `inputIndex` itself (nothing is copied); otherwise it is a run of consecutive non-array
 * inputs starting at `inputIndex`. Error messages name values with it (`inputs[2][15]`).
 */
export interface ValueChunk {
  inputIndex: number;
  spread: boolean;
  items: readonly unknown[];
  from: number;
  to: number;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

export function isNumericStrategy(strategy: string): strategy is NumericStrategy {
  return (NUMERIC_STRATEGIES as readonly string[]).includes(strategy);
}

/** How many values the inputs hold once arrays are spread one level (what `count` returns). */
export function countValues(inputs: readonly unknown[]): number {
  let n = 0;
  for (const input of inputs) n += Array.isArray(input) ? input.length : 1;
  return n;
}

/** Splits the spread values into chunks of at most `size`, without copying array inputs. */
export function* chunkValues(inputs: readonly unknown[], size: number): Generator<ValueChunk> {
  let scalars: unknown[] = [];
  let scalarStart = -1;
  const flush = (): ValueChunk => {
    const chunk = { inputIndex: scalarStart, spread: false, items: scalars, from: 0, to: scalars.length };
    scalars = [];
    return chunk;
  };
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i];
    if (!Array.isArray(input)) {
      if (!scalars.length) scalarStart = i;
      scalars.push(input);
      if (scalars.length >= size) yield flush();
      continue;
    }
    if (scalars.length) yield flush();
    for (let from = 0; from < input.length; from += size) {
      yield { inputIndex: i, spread: true, items: input, from, to: Math.min(input.length, from + size) };
    }
  }
  if (scalars.length) yield flush();
}

export function emptyPartial(): NumericPartial {
  return { count: 0, sum: 0, min: Infinity, max: -Infinity };
}

/**
 * Reads one chunk's numbers into a `Float64Array` (what crosses to a worker: one memcpy, no
 * per-object cloning). `field` (a dot path of own properties, `amount` or `price.net`) is read
 * from each value; a value (or field) that is not a finite number fails naming where it is.
 */
export function extractNumbers(strategy: string, chunk: ValueChunk, field?: string): Float64Array {
  const { items, from, to } = chunk;
  const out = new Float64Array(to - from);
  // Hot loop (a million rows): the common shapes get their own tight loops.
  if (field === undefined) {
    for (let k = from; k < to; k++) {
      const value = items[k];
      if (typeof value !== 'number' || !Number.isFinite(value)) notANumber(strategy, chunk, k, value, field);
      out[k - from] = value;
    }
  } else if (!field.includes('.')) {
    for (let k = from; k < to; k++) {
      const row = items[k] as Record<string, unknown>;
      if (row === null || typeof row !== 'object' || !hasOwn(row, field)) noField(strategy, chunk, k, field);
      const value = row[field];
      if (typeof value !== 'number' || !Number.isFinite(value)) notANumber(strategy, chunk, k, value, field);
      out[k - from] = value;
    }
  } else {
    const path = field.split('.');
    for (let k = from; k < to; k++) {
      let value: unknown = items[k];
      for (let p = 0; p < path.length; p++) {
        if (value === null || typeof value !== 'object' || !hasOwn(value, path[p]!)) noField(strategy, chunk, k, field);
        value = (value as Record<string, unknown>)[path[p]!];
      }
      if (typeof value !== 'number' || !Number.isFinite(value)) notANumber(strategy, chunk, k, value, field);
      out[k - from] = value;
    }
  }
  return out;
}

/** Count, sum, min and max of some numbers, added in order. */
export function reduceNumbers(values: Float64Array): NumericPartial {
  const out = emptyPartial();
  for (let k = 0; k < values.length; k++) {
    const value = values[k]!;
    out.sum += value;
    if (value < out.min) out.min = value;
    if (value > out.max) out.max = value;
  }
  out.count = values.length;
  return out;
}

/** Reduces one chunk on this thread: exactly what a worker computes from {@link extractNumbers}' array. */
export function numericPartial(strategy: string, chunk: ValueChunk, field?: string): NumericPartial {
  return reduceNumbers(extractNumbers(strategy, chunk, field));
}

export function combinePartials(a: NumericPartial, b: NumericPartial): NumericPartial {
  return { count: a.count + b.count, sum: a.sum + b.sum, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
}

/** The strategy's answer from the combined partial; `avg`, `min` and `max` of no values fail. */
export function finishNumeric(strategy: NumericStrategy, p: NumericPartial): number {
  if (strategy === 'sum') return p.sum;
  if (p.count === 0) {
    throw new NodeExecutionError(`aggregator ${strategy}: there are no values to aggregate (the inputs are empty)`, {
      details: { strategy, count: 0 },
    });
  }
  if (strategy === 'avg') return p.sum / p.count;
  return strategy === 'min' ? p.min : p.max;
}

/**
 * Deep-merges objects, later inputs winning. Only own enumerable keys are read; `__proto__`,
 * `constructor` and `prototype` are dropped at every depth and every key is written with
 * `Object.defineProperty`, so no input can reach `Object.prototype`. Arrays and other values
 * replace what was there; nested objects merge. Iterative, so deep inputs cannot overflow the stack.
 */
export function mergeObjects(inputs: readonly unknown[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  inputs.forEach((input, i) => {
    if (!isPlainObject(input)) {
      throw new NodeExecutionError(`aggregator merge: inputs[${i}] is not an object (got ${describe(input)})`, {
        details: { strategy: 'merge', index: i },
      });
    }
  });
  const work: Array<[Record<string, unknown>, Record<string, unknown>]> = inputs.map((input) => [result, input as Record<string, unknown>]);
  // First-in-first-out: pairs for one target are queued in input order, so later inputs win.
  // Every plain object inside `result` was created here, so writing into it never touches an input.
  for (let w = 0; w < work.length; w++) {
    const [target, source] = work[w]!;
    for (const key of Object.keys(source)) {
      if (FORBIDDEN_KEYS.has(key)) continue;
      const value = source[key];
      if (!isPlainObject(value)) {
        define(target, key, value);
        continue;
      }
      let nested = hasOwn(target, key) ? target[key] : undefined;
      if (!isPlainObject(nested)) {
        nested = {};
        define(target, key, nested);
      }
      work.push([nested as Record<string, unknown>, value]);
    }
  }
  return result;
}

/** Concatenates the inputs: arrays contribute their items, any other input is appended as one item (like `Array.prototype.concat`). */
export function concatValues(inputs: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const input of inputs) {
    if (Array.isArray(input)) for (let i = 0; i < input.length; i++) out.push(input[i]);
    else out.push(input);
  }
  return out;
}

function notANumber(strategy: string, chunk: ValueChunk, k: number, value: unknown, field?: string): never {
  const where = locate(chunk, k) + (field ? `.${field}` : '');
  throw new NodeExecutionError(`aggregator ${strategy}: ${where} is not a number (got ${describe(value)})`, {
    details: { strategy, path: where, value: preview(value) },
  });
}

function noField(strategy: string, chunk: ValueChunk, k: number, field: string): never {
  throw new NodeExecutionError(`aggregator ${strategy}: ${locate(chunk, k)} has no field "${field}" (got ${describe(chunk.items[k])})`, {
    details: { strategy, path: locate(chunk, k), field },
  });
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function locate(chunk: ValueChunk, k: number): string {
  return chunk.spread ? `inputs[${chunk.inputIndex}][${k}]` : `inputs[${chunk.inputIndex + k}]`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `${type} ${preview(value)}`;
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
