/** Config of a `workflow` node. */
export interface WorkflowNodeConfig {
  /** The saved workflow to run as a child execution. */
  workflowId: string;
  /** A version number, or `latest` (the default): the version current when the node starts. */
  version?: number | 'latest';
  /** The child's inputs (templated). */
  inputs?: Record<string, unknown>;
}

/** JSON Schema of the config; an unknown `workflowId` is checked when the workflow is saved through the API. */
export const workflowConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['workflowId'],
  properties: {
    workflowId: { type: 'string', minLength: 1, maxLength: 200 },
    version: { anyOf: [{ type: 'integer', minimum: 1 }, { const: 'latest' }] },
    inputs: { type: 'object' },
  },
} as const;
