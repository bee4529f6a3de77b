import type * as Arquero from 'arquero';
import { isForbiddenKey } from './field-path';

/**
 * A DataFrame as it travels between nodes and into the database: columnar plain JSON.
 * `columns` maps each column name to its values (all of length `numRows`); column order is the
 * key order of `columns`. Missing cells are `null`.
 *
 * ```json
 * { "columns": { "id": [1, 2], "name": ["a", null] }, "numRows": 2 }
 * ```
 */
export interface DataFrameJson {
  columns: Record<string, unknown[]>;
  numRows: number;
}

export type ArqueroModule = typeof Arquero;

/**
 * Loads arquero (ESM-only) through Node's `require(esm)`; Node's module cache keeps it, so the
 * first adapter run pays the ~200 ms load and later ones nothing.
 */
export function loadArquero(): ArqueroModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('arquero') as ArqueroModule;
}

/** Checks the shape of a {@link DataFrameJson}; returns a message naming the problem, or null. */
export function dataFrameProblem(value: unknown): string | null {
  if (!isRecord(value)) return `expected a DataFrame ({ columns, numRows }), got ${describeType(value)}`;
  const { columns, numRows } = value as { columns?: unknown; numRows?: unknown };
  if (!isRecord(columns)) return `"columns" must be an object of column arrays, got ${describeType(columns)}`;
  if (!Number.isInteger(numRows) || (numRows as number) < 0)
    return `"numRows" must be a non-negative integer, got ${JSON.stringify(numRows) ?? 'nothing'}`;
  for (const name of Object.keys(columns)) {
    if (isForbiddenKey(name)) return `column name "${name}" is not allowed`;
    const col = columns[name];
    if (!Array.isArray(col)) return `column "${name}" must be an array, got ${describeType(col)}`;
    if (col.length !== numRows) return `column "${name}" has ${col.length} values but numRows is ${String(numRows)}`;
  }
  return null;
}

/** Plain data objects (JSON objects), not arrays, class instances or null. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function describeType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
