import type { ValidationIssue } from '../plugin/node-type';
import type { WorkflowDefinition } from '../model/workflow-definition';

/** Headers a trigger may not copy into inputs: credentials stay out of execution records. */
const PRIVATE_HEADERS = new Set(['authorization', 'cookie', 'x-weft-signature']);

/** Checks trigger names are unique and that no trigger copies a private header into inputs. */
export function checkTriggers(def: WorkflowDefinition, issues: ValidationIssue[]): void {
  const seen = new Map<string, number>();
  (def.triggers ?? []).forEach((t, i) => {
    const first = seen.get(t.name);
    if (first !== undefined)
      issues.push({
        path: `triggers[${i}].name`,
        message: `duplicate trigger name "${t.name}" (first at triggers[${first}])`,
        code: 'duplicate_trigger',
      });
    else seen.set(t.name, i);
    (t.headers ?? []).forEach((h, j) => {
      if (PRIVATE_HEADERS.has(h.toLowerCase())) {
        issues.push({
          path: `triggers[${i}].headers[${j}]`,
          message: `"${h}" cannot be passed to executions (authorization, cookie and x-weft-signature stay out of records)`,
          code: 'private_header',
        });
      }
    });
  });
}
