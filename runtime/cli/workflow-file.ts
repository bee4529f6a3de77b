import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { ValidationError } from '../../core/errors/weft-error';

/** Reads a workflow file: JSON, or YAML for `.yaml`/`.yml`. Errors name the file and the position. */
export async function readWorkflowFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ValidationError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const yaml = /\.ya?ml$/i.test(file);
  try {
    if (!yaml) return JSON.parse(text);
    const doc = YAML.parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length) throw doc.errors[0]!;
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ValidationError(`${file} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** `--input key=value`: the value parsed as JSON when it parses, else kept as a string. */
export function parseInputs(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ValidationError(`--input "${pair}" must look like key=value`);
    const key = pair.slice(0, eq);
    if (key === '__proto__' || key === 'constructor' || key === 'prototype')
      throw new ValidationError(`--input key "${key}" is not allowed`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // kept as a string
    }
    out[key] = value;
  }
  return { ...out };
}
