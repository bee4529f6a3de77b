import type { ValidationIssue } from '../plugin/node-type';
import { collectPaths, type CompiledValue } from '../context/compiled-value';
import { isSecretName, SECRET_NAME_PATTERN } from '../secrets/secret-store';

/** Checks a compiled value's `nodes.<id>.…` references: the node exists, and only `output` or `error` is read. */
export function checkNodeReferences(c: CompiledValue, path: string, byId: Map<string, number>, issues: ValidationIssue[]): void {
  for (const segs of collectPaths(c)) {
    if (segs[0] !== 'nodes') continue;
    const id = segs[1];
    if (id === undefined) continue;
    if (!byId.has(id)) issues.push({ path, message: `template refers to unknown node "${id}"`, code: 'unknown_reference' });
    else if (segs[2] !== undefined && segs[2] !== 'output' && segs[2] !== 'error') {
      issues.push({
        path,
        message: `template path nodes.${id}.${segs[2]}: a node exposes only "output" and "error"`,
        code: 'unknown_reference',
      });
    }
  }
}

/** The secrets a node's compiled config names; `secrets.NAME` must be exactly that (no deeper path). */
export function secretNamesOf(c: CompiledValue, path: string, issues: ValidationIssue[]): string[] {
  const names = new Set<string>();
  for (const segs of collectPaths(c)) {
    if (segs[0] !== 'secrets') continue;
    if (segs.length !== 2 || !isSecretName(segs[1])) {
      issues.push({
        path,
        message: `template path "${segs.join('.')}": use {{ secrets.NAME }} with NAME matching ${SECRET_NAME_PATTERN}`,
        code: 'bad_secret_reference',
      });
    } else names.add(segs[1]);
  }
  return [...names];
}
