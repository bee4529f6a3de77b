import type { NodeTypeRegistry } from '../plugin/node-type-registry';
import type { ValidationIssue } from '../plugin/node-type';
import type { WorkflowDefinition } from '../model/workflow-definition';
import { ValidationError } from '../errors/weft-error';

/** STUB (being written) */
export class WorkflowValidator {
  constructor(private readonly registry: NodeTypeRegistry) {}
  validate(definition: unknown): { ok: true; definition: WorkflowDefinition } | { ok: false; issues: ValidationIssue[] } {
    void this.registry;
    return { ok: true, definition: definition as WorkflowDefinition };
  }
  assertValid(definition: unknown): WorkflowDefinition {
    const r = this.validate(definition);
    if (!r.ok) throw new ValidationError('invalid workflow', { details: r.issues });
    return r.definition;
  }
}
