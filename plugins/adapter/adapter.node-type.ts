import {
  defineNodeType,
  ErrorCodes,
  NodeExecutionError,
  Tokens,
  ValidationError,
  type NodeRunContext,
  type ValidationIssue,
} from '../../core/index';
import { ADAPTER_TRANSFORMS, adapterConfigSchema, type AdapterConfig, type AdapterTransformName } from './adapter-config.schema';
import type { AdapterDeps, AdapterTransform } from './adapter-transform';
import { jsonToDataframeTransform } from './json-to-dataframe.transform';
import { dataframeToJsonTransform } from './dataframe-to-json.transform';
import { mapFieldsTransform } from './map-fields.transform';
import { filterTransform } from './filter.transform';
import { codeTransform } from './code.transform';

const TRANSFORMS: Readonly<Record<AdapterTransformName, AdapterTransform>> = Object.freeze({
  json_to_dataframe: jsonToDataframeTransform,
  dataframe_to_json: dataframeToJsonTransform,
  map_fields: mapFieldsTransform,
  filter: filterTransform,
  code: codeTransform,
});

/** Config keys every transform accepts. */
const COMMON_FIELDS = new Set(['transform', 'input']);

/**
 * The `adapter` node type: reshapes data between nodes — rows ⇄ DataFrame JSON, field mapping,
 * row filtering with an expression, or sandboxed code. `input` is templated; without it the
 * node transforms the output of its only upstream node.
 */
export const adapterNodeType = defineNodeType<AdapterConfig, AdapterDeps>({
  type: 'adapter',
  description: 'Transforms data: json_to_dataframe, dataframe_to_json, map_fields, filter, code (sandboxed).',
  configSchema: adapterConfigSchema,
  outputs: 'single',
  templateFields: ['input'],
  sandboxed: true,
  deps: { expressions: Tokens.ExpressionEngine, sandbox: Tokens.Sandbox },
  create: (deps) => ({
    async execute(config: AdapterConfig, ctx: NodeRunContext): Promise<unknown> {
      const transform = transformOf(config);
      if (!transform) {
        throw new ValidationError(
          `adapter node "${ctx.nodeId}": unknown transform ${JSON.stringify(config?.transform)} (one of ${ADAPTER_TRANSFORMS.join(', ')})`,
          {
            code: ErrorCodes.WF_CONFIG_INVALID,
          },
        );
      }
      const fail = (message: string): never => {
        throw new NodeExecutionError(`adapter node "${ctx.nodeId}": ${message}`, {
          details: { nodeId: ctx.nodeId, transform: transform.name },
        });
      };
      return transform.run(resolveInput(config, ctx, fail), { config, ctx, deps, fail });
    },

    validate(config: AdapterConfig): ValidationIssue[] {
      const transform = transformOf(config);
      if (!transform) {
        return [
          { path: 'config.transform', message: `must be one of ${ADAPTER_TRANSFORMS.join(', ')}`, code: ErrorCodes.WF_CONFIG_INVALID },
        ];
      }
      const issues: ValidationIssue[] = [];
      for (const key of Object.keys(config)) {
        if (!COMMON_FIELDS.has(key) && !transform.fields.includes(key)) {
          issues.push({
            path: `config.${key}`,
            message: `is not used by transform "${transform.name}"`,
            code: ErrorCodes.WF_CONFIG_INVALID,
          });
        }
      }
      const missing = (transform.required ?? []).filter((key) => (config as unknown as Record<string, unknown>)[key] === undefined);
      for (const key of missing)
        issues.push({ path: `config.${key}`, message: `is required by transform "${transform.name}"`, code: ErrorCodes.WF_CONFIG_INVALID });
      if (missing.length === 0 && transform.validate) issues.push(...transform.validate(config, deps));
      return issues;
    },
  }),
});

function transformOf(config: AdapterConfig | undefined): AdapterTransform | undefined {
  const name = config?.transform;
  return typeof name === 'string' && Object.hasOwn(TRANSFORMS, name) ? TRANSFORMS[name] : undefined;
}

function resolveInput(config: AdapterConfig, ctx: NodeRunContext, fail: (m: string) => never): unknown {
  if (Object.hasOwn(config, 'input')) return config.input;
  if (ctx.upstream.length === 1) return ctx.upstream[0]!.output;
  return fail(
    ctx.upstream.length === 0
      ? 'no "input" and no upstream output to transform: set config.input (e.g. "{{ nodes.fetch.output }}")'
      : `no "input" and ${ctx.upstream.length} upstream outputs (${ctx.upstream.map((u) => u.nodeId).join(', ')}): set config.input to choose`,
  );
}
