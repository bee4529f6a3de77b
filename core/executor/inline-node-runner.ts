import type { KernelSettings } from '../kernel/kernel-settings';
import type { Clock } from '../services/clock';
import type { NodeTypeRegistry } from '../plugin/node-type-registry';
import type { NodeRunContext, TemplateScope, ValidationIssue } from '../plugin/node-type';
import type { NodeLimits, RetryConfig } from '../model/workflow-definition';
import type { NodeErrorRecord } from '../model/execution-document';
import type { PlannedNode } from '../dag/execution-plan';
import { ajvIssues, createAjv, SchemaCache } from '../dag/ajv-issues';
import { compileValue, renderValue, type CompiledValue } from '../context/compiled-value';
import { serializeError } from '../errors/error-serializer';
import { ValidationError, WeftError } from '../errors/weft-error';
import { ErrorCodes } from '../errors/error-codes';
import { resolveRetryPolicy } from './retry-policy';
import { runAttempts, type ResumedAttempt } from './node-attempts';
import { isParkRequest } from '../plugin/park-request';
import { AbortFanout } from './abort-fanout';
import { ItemRunContext } from './item-run-context';
import { secretNamesOf } from '../dag/template-references';

/** A node written inside another node's config (a `map` node's `node`): a type, its config and its own retry, timeout and limits. */
export interface InlineNodeTemplate {
  type: string;
  config?: Record<string, unknown>;
  retry?: RetryConfig;
  timeoutMs?: number;
  limits?: NodeLimits;
}

/** An inline node template, checked and with its templates parsed; run it through {@link InlineNodeRunner.start}. */
export interface InlineNode {
  readonly type: string;
  /** @internal the template planned like a workflow node. */
  readonly planned: PlannedNode;
}

/**
 * How one run of an inline node ended (after its retries). An item that parked (its output is a
 * `parkNode` request) says in `parked` where a later run of it goes on: the attempt that parked,
 * the errors before it, and that attempt's own deadline.
 */
export type InlineResult =
  | { ok: true; output: unknown; attempts: number; parked?: ResumedAttempt }
  | { ok: false; error: NodeErrorRecord; attempts: number; aborted: boolean };

/** The services an {@link InlineNodeRunner} needs. */
export interface InlineNodeRunnerDeps {
  registry: NodeTypeRegistry;
  clock: Clock;
  settings: KernelSettings;
}

/**
 * Runs inline node templates of any registered type with extra template roots (a `map` node's
 * `item` and `index`), with the template's retry policy and timeout, inside the node that holds
 * them: they take no scheduler slot and have no record of their own.
 */
export class InlineNodeRunner {
  private readonly schemas = new SchemaCache(createAjv());
  private readonly compiled = new WeakMap<object, InlineNode>();

  constructor(private readonly deps: InlineNodeRunnerDeps) {}

  /**
   * Checks a template as the workflow validator checks a node: known type, config against the
   * type's schema and its own checks, `limits` only for sandboxed types, templates parse with
   * `extraRoots` allowed. Paths are relative to the template (`type`, `config.url`).
   */
  validate(template: InlineNodeTemplate, ownerId: string, extraRoots: readonly string[]): ValidationIssue[] {
    const issues: ValidationIssue[] = [];
    this.plan(template, ownerId, extraRoots, issues);
    return issues;
  }

  /** The template ready to run; a template that does not validate is a {@link ValidationError} listing its issues. */
  compile(template: InlineNodeTemplate, ownerId: string, extraRoots: readonly string[]): InlineNode {
    const cached = this.compiled.get(template);
    if (cached) return cached;
    const issues: ValidationIssue[] = [];
    const planned = this.plan(template, ownerId, extraRoots, issues);
    if (issues.length || !planned) {
      const first = issues[0];
      throw new ValidationError(`node "${ownerId}": invalid inline node: ${first ? `${first.path}: ${first.message}` : 'unknown type'}`, {
        details: issues,
      });
    }
    const node: InlineNode = { type: template.type, planned };
    this.compiled.set(template, node);
    return node;
  }

  /**
   * Starts a batch of runs of `node` within the node `ctx` belongs to; `signal` ends them all
   * (the holder's own signal, or one it aborts itself to cancel the rest). `canPark`: the holder
   * takes a run's `parkNode(...)` output as that item parking (its items' contexts say they may
   * park when the holder may; an item with a `timeoutMs` parks with its attempt's deadline).
   */
  start(node: InlineNode, ctx: NodeRunContext, signal: AbortSignal, canPark = false): InlineBatch {
    const parks = canPark && ctx.canPark === true;
    return new InlineBatch(node.planned, ctx, new AbortFanout(signal), this.deps, parks);
  }

  private plan(t: InlineNodeTemplate, ownerId: string, extraRoots: readonly string[], issues: ValidationIssue[]): PlannedNode | null {
    const registry = this.deps.registry;
    if (!registry.has(t.type)) {
      const known = registry
        .list()
        .map((r) => r.definition.type)
        .join(', ');
      issues.push({
        path: 'type',
        message: `unknown node type "${t.type}" (known: ${known || 'none'})`,
        code: ErrorCodes.WF_UNKNOWN_NODE_TYPE,
      });
      return null;
    }
    const nodeType = registry.get(t.type);
    if (t.limits !== undefined && !nodeType.definition.sandboxed) {
      issues.push({
        path: 'limits',
        message: `node type "${t.type}" does not run sandboxed code, so "limits" does not apply`,
        code: 'schema',
      });
    }
    const config = t.config ?? {};
    const check = this.schemas.get(nodeType.definition.configSchema);
    if (!check(config)) {
      issues.push(...ajvIssues(check.errors, 'config'));
      return null;
    }
    try {
      issues.push(...(nodeType.executor.validate?.(config) ?? []));
    } catch (err) {
      issues.push({ path: 'config', message: err instanceof Error ? err.message : String(err), code: 'schema' });
    }
    const fields = nodeType.definition.templateFields ?? [];
    let compiled: CompiledValue = { kind: 'const', value: config };
    const entries: Array<[string, CompiledValue]> = [];
    for (const [k, v] of Object.entries(config)) {
      let c: CompiledValue = { kind: 'const', value: v };
      if (fields.includes(k)) {
        try {
          c = compileValue(v, { nodeId: ownerId, field: `config.node.config.${k}`, extraRoots });
        } catch (err) {
          if (!(err instanceof WeftError)) throw err;
          issues.push({ path: `config.${k}`, message: err.message, code: err.code });
        }
      }
      entries.push([k, c]);
    }
    if (entries.some(([, c]) => c.kind !== 'const')) compiled = { kind: 'object', entries };
    const definition = { id: ownerId, type: t.type, config, retry: t.retry, timeoutMs: t.timeoutMs, limits: t.limits };
    return {
      index: -1,
      id: ownerId,
      definition,
      nodeType,
      config: compiled,
      upstream: [],
      downstream: [],
      secretNames: secretNamesOf(compiled, 'config.node.config', issues),
      retry: resolveRetryPolicy(t.retry),
      fallback: -1,
      isFallback: false,
      branching: nodeType.definition.outputs === 'branches',
    };
  }
}

/** Runs of one inline node within one holder node: one abort listener for all of them. */
export class InlineBatch {
  constructor(
    private readonly node: PlannedNode,
    private readonly ctx: NodeRunContext,
    private readonly abort: AbortFanout,
    private readonly deps: InlineNodeRunnerDeps,
    private readonly canPark = false,
  ) {}

  /**
   * Renders the template with `roots` added to the holder's scope and runs it with its retry
   * policy; `resume`: an item that parked goes on with the attempt (and deadline) it parked with.
   */
  async run(roots: Readonly<Record<string, unknown>>, resume?: ResumedAttempt): Promise<InlineResult> {
    const scope = Object.freeze({ ...this.ctx.scope, ...roots }) as TemplateScope;
    let config: unknown;
    try {
      config = renderValue(this.node.config, scope);
    } catch (err) {
      return { ok: false, error: { ...serializeError(err), attempt: 1, input: null }, attempts: 1, aborted: false };
    }
    const ctx = new ItemRunContext(
      this.ctx,
      scope,
      this.node.definition.limits,
      typeof roots.index === 'number' ? roots.index : undefined,
      this.canPark,
    );
    const r = await runAttempts({
      node: this.node,
      config,
      ctx,
      abort: this.abort,
      clock: this.deps.clock,
      maxOutputBytes: this.deps.settings.maxOutputBytes,
      onRetry: () => undefined,
      resume,
    });
    if (r.ok && isParkRequest(r.output)) {
      const parked = { attempt: r.attempts, attemptErrors: r.attemptErrors, deadlineAt: ctx.ownDeadline };
      return { ok: true, output: r.output, attempts: r.attempts, parked };
    }
    if (r.ok) return { ok: true, output: r.output ?? null, attempts: r.attempts };
    return { ok: false, error: r.record, attempts: r.attempts, aborted: r.aborted };
  }
}
