import type { ValidationIssue } from '../plugin/node-type';
import type { WorkflowDefinition } from '../model/workflow-definition';

/**
 * Checks each node's `fallback` (it exists, is not the node itself, serves one node only, and has
 * no fallback of its own); returns which node each valid fallback serves (fallback index → owner).
 */
export function checkFallbacks(def: WorkflowDefinition, byId: Map<string, number>, issues: ValidationIssue[]): Map<number, number> {
  const fallbackOf = new Map<number, number>();
  def.nodes.forEach((n, i) => {
    if (n.fallback === undefined) return;
    const f = byId.get(n.fallback);
    const path = `nodes[${i}].fallback`;
    if (f === undefined) issues.push({ path, message: `fallback node "${n.fallback}" does not exist`, code: 'bad_fallback' });
    else if (f === i) issues.push({ path, message: `node "${n.id}" cannot be its own fallback`, code: 'bad_fallback' });
    else if (fallbackOf.has(f))
      issues.push({
        path,
        message: `fallback node "${n.fallback}" already serves node "${def.nodes[fallbackOf.get(f)!]!.id}"`,
        code: 'bad_fallback',
      });
    else fallbackOf.set(f, i);
  });
  for (const [f, owner] of fallbackOf) {
    if (def.nodes[f]!.fallback !== undefined)
      issues.push({
        path: `nodes[${f}].fallback`,
        message: `fallback node "${def.nodes[f]!.id}" (of "${def.nodes[owner]!.id}") cannot have a fallback of its own`,
        code: 'bad_fallback',
      });
  }
  return fallbackOf;
}
