import type { NodeTypeRegistry } from '../plugin/node-type-registry';
import type { ValidationIssue } from '../plugin/node-type';
import type { SandboxCeilings } from '../kernel/kernel-settings';
import { WorkflowDefinitionSchema, type WorkflowDefinition } from '../model/workflow-definition';
import { ValidationError, WeftError } from '../errors/weft-error';
import { ErrorCodes } from '../errors/error-codes';
import type { ValidateFunction } from 'ajv';
import { ajvIssues, createAjv, SchemaCache } from './ajv-issues';
import { topologicalOrder } from './cycle-finder';
import { compileValue, collectPaths, type CompiledValue } from '../context/compiled-value';
import type { ExecutionPlan, PlannedNode } from './execution-plan';
import { resolveRetryPolicy } from '../executor/retry-policy';
import { planConcurrency } from './concurrency-plan';
import { checkFallbacks } from './fallback-checks';
import { checkNodeReferences, secretNamesOf } from './template-references';
import { checkTriggers } from './trigger-checks';

/** The setting that raises each ceiling, named in validation messages. */
const CEILING_SETTINGS: Record<keyof SandboxCeilings, string> = {
  cpuMs: 'WEFT_SANDBOX_MAX_CPU_MS',
  wallMs: 'WEFT_SANDBOX_MAX_WALL_MS',
  memoryMb: 'WEFT_SANDBOX_MAX_MEMORY_MB',
  outputBytes: 'WEFT_SANDBOX_MAX_OUTPUT_BYTES',
};

let shapeValidator: ValidateFunction | undefined;
/** The definition schema's validator, compiled once per process (compiling costs far more than validating). */
function workflowShapeValidator(): ValidateFunction {
  return (shapeValidator ??= createAjv().compile(WorkflowDefinitionSchema));
}

export type ValidationResult = { ok: true; definition: WorkflowDefinition; plan: ExecutionPlan } | { ok: false; issues: ValidationIssue[] };

/**
 * Validates a workflow definition completely (DESIGN.md "Validation") and, when it is valid,
 * plans it. Every problem is reported at once, each with its location.
 */
export class WorkflowValidator {
  private readonly schemas = new SchemaCache(createAjv());
  private readonly validateShape = workflowShapeValidator();
  private readonly plans = new WeakMap<object, ExecutionPlan>();

  constructor(
    private readonly registry: NodeTypeRegistry,
    private readonly ceilings: SandboxCeilings | null = null,
  ) {}

  validate(input: unknown): ValidationResult {
    if (input !== null && typeof input === 'object') {
      const cached = this.plans.get(input);
      if (cached) return { ok: true, definition: cached.definition, plan: cached };
    }
    if (!this.validateShape(input)) return { ok: false, issues: ajvIssues(this.validateShape.errors) };
    const definition = input as WorkflowDefinition;
    const issues: ValidationIssue[] = [];
    const plan = this.plan(definition, issues);
    if (issues.length) return { ok: false, issues };
    this.plans.set(input as object, plan);
    return { ok: true, definition, plan };
  }

  /** The plan, or a `ValidationError` whose `details` list every issue. */
  assertValid(input: unknown): ExecutionPlan {
    const r = this.validate(input);
    if (!r.ok) {
      const first = r.issues[0]!;
      throw new ValidationError(
        `invalid workflow: ${first.path}: ${first.message}${r.issues.length > 1 ? ` (and ${r.issues.length - 1} more)` : ''}`,
        { details: r.issues },
      );
    }
    return r.plan;
  }

  private plan(def: WorkflowDefinition, issues: ValidationIssue[]): ExecutionPlan {
    const byId = new Map<string, number>();
    def.nodes.forEach((n, i) => {
      if (byId.has(n.id))
        issues.push({
          path: `nodes[${i}].id`,
          message: `duplicate node id "${n.id}" (first at nodes[${byId.get(n.id)}])`,
          code: 'duplicate_id',
        });
      else byId.set(n.id, i);
    });
    const fallbackOf = checkFallbacks(def, byId, issues);
    const nodes: PlannedNode[] = def.nodes.map((n, i) => this.planNode(def, n, i, fallbackOf, issues));
    (def.edges ?? []).forEach((e, k) => {
      const path = `edges[${k}]`;
      const from = byId.get(e.from);
      const to = byId.get(e.to);
      if (from === undefined) issues.push({ path: `${path}.from`, message: `unknown node "${e.from}"`, code: 'unknown_endpoint' });
      if (to === undefined) issues.push({ path: `${path}.to`, message: `unknown node "${e.to}"`, code: 'unknown_endpoint' });
      if (from === undefined || to === undefined) return;
      if (from === to) return void issues.push({ path, message: `self-loop on node "${e.from}"`, code: 'self_loop' });
      for (const [end, idx] of [
        ['from', from],
        ['to', to],
      ] as const) {
        if (fallbackOf.has(idx))
          issues.push({
            path: `${path}.${end}`,
            message: `node "${def.nodes[idx]!.id}" is a fallback node and cannot be part of the DAG's edges`,
            code: 'bad_fallback',
          });
      }
      const src = nodes[from]!;
      const branch = e.branch ?? null;
      if (branch !== null) this.checkBranch(src, branch, `${path}.branch`, issues);
      src.downstream.push({ to, branch });
      nodes[to]!.upstream.push(from);
    });
    if (!issues.some((i) => i.code === 'self_loop' || i.code === 'unknown_endpoint')) {
      const r = topologicalOrder(
        nodes.length,
        nodes.map((n) => n.downstream.map((d) => d.to)),
      );
      if ('cycle' in r) {
        const names = r.cycle.map((i) => def.nodes[i]!.id);
        issues.push({ path: 'edges', message: `cycle: ${names.join(' → ')}`, code: ErrorCodes.WF_CYCLE });
      }
    }
    let outputs: CompiledValue | null = null;
    if (def.outputs) outputs = this.compile(def.outputs, 'outputs', 'outputs', 'outputs', byId, issues);
    if (outputs && collectPaths(outputs).some((segs) => segs[0] === 'secrets')) {
      issues.push({
        path: 'outputs',
        message:
          'workflow outputs cannot use {{ secrets.* }} (outputs are returned to callers; pass a secret only to the node field that needs it)',
        code: 'secret_in_outputs',
      });
    }
    for (const n of nodes) {
      if (n.config.kind === 'const') continue;
      checkNodeReferences(n.config, `nodes[${n.index}].config`, byId, issues);
      n.secretNames = secretNamesOf(n.config, `nodes[${n.index}].config`, issues);
    }
    checkTriggers(def, issues);
    const concurrency = planConcurrency(def, issues);
    const secretNames = [...new Set(nodes.flatMap((n) => n.secretNames))].sort();
    const s = def.settings ?? {};
    return {
      definition: def,
      nodes,
      byId,
      scheduledCount: nodes.length - fallbackOf.size,
      outputs,
      secretNames,
      settings: {
        onNodeFailure: s.onNodeFailure ?? 'stop',
        failureThreshold: s.failureThreshold ?? null,
        maxParallel: s.maxParallel ?? null,
        timeoutMs: s.timeoutMs ?? null,
        concurrency,
      },
    };
  }

  private planNode(
    def: WorkflowDefinition,
    n: WorkflowDefinition['nodes'][number],
    i: number,
    fallbackOf: Map<number, number>,
    issues: ValidationIssue[],
  ): PlannedNode {
    const base = `nodes[${i}]`;
    const planned: PlannedNode = {
      index: i,
      id: n.id,
      definition: n,
      nodeType: undefined as never,
      config: { kind: 'const', value: n.config ?? {} },
      upstream: [],
      downstream: [],
      retry: resolveRetryPolicy(n.retry),
      fallback: n.fallback !== undefined ? def.nodes.findIndex((m) => m.id === n.fallback) : -1,
      isFallback: fallbackOf.has(i),
      branching: false,
      secretNames: [],
    };
    if (!this.registry.has(n.type)) {
      issues.push({
        path: `${base}.type`,
        message: `unknown node type "${n.type}" (known: ${
          this.registry
            .list()
            .map((t) => t.definition.type)
            .join(', ') || 'none'
        })`,
        code: ErrorCodes.WF_UNKNOWN_NODE_TYPE,
      });
      return planned;
    }
    const nodeType = this.registry.get(n.type);
    planned.nodeType = nodeType;
    planned.branching = nodeType.definition.outputs === 'branches';
    if (n.limits !== undefined && !nodeType.definition.sandboxed) {
      issues.push({
        path: `${base}.limits`,
        message: `node type "${n.type}" does not run sandboxed code, so "limits" does not apply`,
        code: 'schema',
      });
    } else if (n.limits !== undefined && this.ceilings) {
      for (const [key, max] of Object.entries(this.ceilings) as Array<[keyof SandboxCeilings, number]>) {
        const value = n.limits[key];
        if (value !== undefined && value > max) {
          issues.push({
            path: `${base}.limits.${key}`,
            message: `${value} is above this server's ceiling of ${max} (${CEILING_SETTINGS[key]})`,
            code: 'limit_ceiling',
          });
        }
      }
    }
    if (nodeType.definition.parks) {
      for (const key of ['retry', 'timeoutMs'] as const) {
        if (n[key] !== undefined)
          issues.push({
            path: `${base}.${key}`,
            message: `node type "${n.type}" waits instead of running, so "${key}" does not apply`,
            code: 'schema',
          });
      }
    }
    const config = n.config ?? {};
    const check = this.schemas.get(nodeType.definition.configSchema);
    if (!check(config)) {
      issues.push(...ajvIssues(check.errors, `${base}.config`));
      return planned;
    }
    try {
      for (const issue of nodeType.executor.validate?.(config) ?? []) issues.push({ ...issue, path: `${base}.${issue.path}` });
    } catch (err) {
      issues.push({ path: `${base}.config`, message: err instanceof Error ? err.message : String(err), code: 'schema' });
    }
    const fields = nodeType.definition.templateFields ?? [];
    if (fields.length) {
      const entries: Array<[string, CompiledValue]> = [];
      let templated = false;
      for (const [k, v] of Object.entries(config)) {
        const c = fields.includes(k)
          ? this.compile(v, n.id, `config.${k}`, `${base}.config.${k}`, null, issues)
          : ({ kind: 'const', value: v } as const);
        if (c.kind !== 'const') templated = true;
        entries.push([k, c]);
      }
      if (templated) planned.config = { kind: 'object', entries };
    }
    return planned;
  }

  private compile(
    value: unknown,
    nodeId: string,
    field: string,
    path: string,
    byId: Map<string, number> | null,
    issues: ValidationIssue[],
  ): CompiledValue {
    try {
      const c = compileValue(value, { nodeId, field });
      if (byId) checkNodeReferences(c, field, byId, issues);
      return c;
    } catch (err) {
      if (!(err instanceof WeftError)) throw err;
      issues.push({ path, message: err.message, code: err.code });
      return { kind: 'const', value };
    }
  }

  private checkBranch(src: PlannedNode, branch: string, path: string, issues: ValidationIssue[]): void {
    if (!src.nodeType) return;
    if (!src.branching) {
      issues.push({ path, message: `node "${src.id}" (type "${src.definition.type}") does not select branches`, code: 'bad_branch' });
      return;
    }
    const labels = src.nodeType.executor.branches?.(src.definition.config ?? {});
    if (labels && branch !== 'default' && !labels.includes(branch)) {
      issues.push({
        path,
        message: `node "${src.id}" has no branch "${branch}" (branches: ${[...labels, 'default'].filter((v, i, a) => a.indexOf(v) === i).join(', ')})`,
        code: 'bad_branch',
      });
    }
  }
}
