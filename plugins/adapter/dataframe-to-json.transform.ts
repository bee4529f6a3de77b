import { dataFrameProblem, loadArquero, type DataFrameJson } from './dataframe-json';
import type { AdapterTransform } from './adapter-transform';

/** `dataframe_to_json`: a {@link DataFrameJson} → row objects, in row order. */
export const dataframeToJsonTransform: AdapterTransform = {
  name: 'dataframe_to_json',
  fields: [],
  run(input, { fail }) {
    const problem = dataFrameProblem(input);
    if (problem) return fail(`dataframe_to_json: ${problem}`);
    const frame = input as DataFrameJson;
    const names = Object.keys(frame.columns);
    if (names.length === 0) return new Array(frame.numRows).fill(null).map(() => ({}));
    return loadArquero().table(frame.columns, names).objects();
  },
};
