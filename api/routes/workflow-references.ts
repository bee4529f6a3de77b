import type { ValidationIssue, WorkflowDefinition, WorkflowStore } from '../../core/index';

/** Where a node names another saved workflow: a `workflow` node's config, or a `map` node's `workflow` mode. */
function referenceOf(node: WorkflowDefinition['nodes'][number]): { ref: Record<string, unknown>; path: string } | null {
  const config = node.config;
  if (!config || typeof config !== 'object') return null;
  if (node.type === 'workflow') return { ref: config, path: 'config' };
  const mode = config.workflow;
  if (node.type === 'map' && mode && typeof mode === 'object' && !Array.isArray(mode))
    return { ref: mode as Record<string, unknown>, path: 'config.workflow' };
  return null;
}

/**
 * Save-time check with store access (core's validator is pure): every workflow a node calls must
 * exist, and a pinned version must exist too. `selfId` (an update) may call itself: recursion is
 * ended at run time by the depth limit. Paths are `body.nodes[i].config.workflowId`.
 */
export async function workflowReferenceIssues(
  store: WorkflowStore,
  definition: WorkflowDefinition,
  selfId?: string,
): Promise<ValidationIssue[]> {
  const issues: ValidationIssue[] = [];
  const known = new Map<string, Promise<number | null>>();
  const currentVersion = (id: string) => {
    let p = known.get(id);
    if (!p) known.set(id, (p = store.get(id).then((r) => r?.version ?? null)));
    return p;
  };
  for (const [i, node] of definition.nodes.entries()) {
    const found = referenceOf(node);
    if (!found || typeof found.ref.workflowId !== 'string') continue;
    const id = found.ref.workflowId;
    const base = `body.nodes[${i}].${found.path}`;
    const current = id === selfId ? Number.MAX_SAFE_INTEGER : await currentVersion(id);
    if (current === null) {
      issues.push({ path: `${base}.workflowId`, message: `unknown workflow "${id.slice(0, 200)}"`, code: 'WF_NOT_FOUND' });
      continue;
    }
    const version = found.ref.version;
    if (typeof version === 'number' && id !== selfId && !(await store.getVersion(id, version))) {
      issues.push({
        path: `${base}.version`,
        message: `workflow "${id}" has no version ${version} (current: ${current})`,
        code: 'WF_NOT_FOUND',
      });
    }
  }
  return issues;
}
