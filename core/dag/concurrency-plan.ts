import type { ValidationIssue } from '../plugin/node-type';
import type { WorkflowDefinition } from '../model/workflow-definition';
import { compileValue, collectPaths, renderValue, type CompiledValue } from '../context/compiled-value';
import { TemplateError, ValidationError, WeftError } from '../errors/weft-error';

/** `settings.concurrency` as planned: the key's template parsed once, rendered per execution. */
export interface PlannedConcurrency {
  limit: number;
  /** Null: one limit for the whole workflow. */
  key: CompiledValue | null;
  onLimit: 'queue' | 'skip';
}

const KEY_PATH = 'settings.concurrency.key';
/** The key renders when the execution is created: only what is known then may appear in it. */
const KEY_ROOTS = new Set(['inputs', 'variables']);
/** Longest rendered key (the column's width). */
export const MAX_CONCURRENCY_KEY_LENGTH = 500;

/** Plans `settings.concurrency` (null when absent); problems go to `issues` at their paths. */
export function planConcurrency(def: WorkflowDefinition, issues: ValidationIssue[]): PlannedConcurrency | null {
  const c = def.settings?.concurrency;
  if (!c) return null;
  let key: CompiledValue | null = null;
  if (c.key !== undefined) {
    try {
      key = compileValue(c.key, { nodeId: '(settings)', field: 'concurrency.key' });
      for (const segs of collectPaths(key)) {
        if (!KEY_ROOTS.has(segs[0]!)) {
          issues.push({
            path: KEY_PATH,
            message: `template path "${segs.join('.')}": the key renders when the execution is created, from inputs and variables only`,
            code: 'bad_concurrency_key',
          });
        }
      }
    } catch (err) {
      if (!(err instanceof WeftError)) throw err;
      issues.push({ path: KEY_PATH, message: err.message, code: err.code });
    }
  }
  return { limit: c.limit, key, onLimit: c.onLimit ?? 'queue' };
}

/**
 * The key of one execution ('' without a key template): rendered from its inputs and the
 * workflow's variables (inputs win, as in node templates). A path that is not there is a
 * ValidationError (400) naming it.
 */
export function renderConcurrencyKey(c: PlannedConcurrency, def: WorkflowDefinition, inputs: Record<string, unknown>): string {
  if (!c.key) return '';
  let value: unknown;
  try {
    value = renderValue(c.key, {
      variables: { ...(def.variables ?? {}), ...inputs },
      inputs,
      nodes: {},
      execution: { id: '', startedAt: '' },
    });
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    const path = (err.details as { path?: string } | undefined)?.path ?? '';
    const message = `${KEY_PATH}: template path "${path}" not found in the execution's inputs or variables`;
    throw new ValidationError(message, { details: [{ path: path.startsWith('inputs') ? `body.${path}` : KEY_PATH, message }] });
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  if (text.length > MAX_CONCURRENCY_KEY_LENGTH) {
    const message = `${KEY_PATH} rendered to ${text.length} characters (at most ${MAX_CONCURRENCY_KEY_LENGTH})`;
    throw new ValidationError(message, { details: [{ path: KEY_PATH, message }] });
  }
  return text;
}
