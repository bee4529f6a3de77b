import { isForbiddenKey } from './field-path';
import { describeType, isRecord, loadArquero, type DataFrameJson } from './dataframe-json';
import type { AdapterTransform } from './adapter-transform';

/**
 * `json_to_dataframe`: an array of row objects → {@link DataFrameJson}. The columns are the union
 * of the rows' own keys in order of first appearance (arquero alone would take the first row's);
 * a row without a column gets `null` there.
 */
export const jsonToDataframeTransform: AdapterTransform = {
  name: 'json_to_dataframe',
  fields: [],
  run(input, { fail }) {
    if (!Array.isArray(input)) return fail(`json_to_dataframe expects an array of row objects, got ${describeType(input)}`);
    const names: string[] = [];
    const seen = new Set<string>();
    const rows = input.map((row, i) => {
      if (!isRecord(row)) return fail(`json_to_dataframe: row ${i} must be an object, got ${describeType(row)}`);
      for (const key of Object.keys(row)) {
        if (seen.has(key)) continue;
        if (isForbiddenKey(key)) return fail(`json_to_dataframe: row ${i} has the key "${key}", which is not allowed as a column name`);
        seen.add(key);
        names.push(key);
      }
      // Null prototype: arquero reads row[name], which must not find inherited members.
      return Object.assign(Object.create(null) as Record<string, unknown>, row);
    });
    const table = loadArquero().from(rows, names);
    const columns: Record<string, unknown[]> = {};
    for (const name of table.columnNames()) {
      columns[name] = Array.from(table.array(name) as ArrayLike<unknown>, (v) => (v === undefined ? null : v));
    }
    const frame: DataFrameJson = { columns, numRows: table.numRows() };
    return frame;
  },
};
