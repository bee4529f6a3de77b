import type { ExecutionLineage, ExecutionLineageFields } from './execution-document';

/** The lineage fields of a document, each null when unset (the document always carries them). */
export function lineageOf(l: ExecutionLineage): ExecutionLineageFields {
  return {
    parentExecutionId: l.parentExecutionId ?? null,
    parentNodeId: l.parentNodeId ?? null,
    itemIndex: l.itemIndex ?? null,
    rerunOf: l.rerunOf ?? null,
  };
}
