import { Type, type Static } from '@sinclair/typebox';

/** JSON Schema (TypeBox) of a node's retry policy; every field optional. */
export const RetrySchema = Type.Object(
  {
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    initialDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
    multiplier: Type.Optional(Type.Number({ minimum: 1, maximum: 100 })),
    maxDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
    jitter: Type.Optional(Type.Boolean()),
    retryOn: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);

/** Per-node sandbox limits (for sandboxed node types). */
export const LimitsSchema = Type.Object(
  {
    cpuMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000 })),
    wallMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600_000 })),
    memoryMb: Type.Optional(Type.Integer({ minimum: 8, maximum: 4096 })),
    outputBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 512 * 1024 * 1024 })),
  },
  { additionalProperties: false },
);

const NodeId = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z_][A-Za-z0-9_-]*$' });

export const NodeSchema = Type.Object(
  {
    id: NodeId,
    type: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    retry: Type.Optional(RetrySchema),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400_000 })),
    fallback: Type.Optional(NodeId),
    runOnUpstreamFailure: Type.Optional(Type.Boolean()),
    limits: Type.Optional(LimitsSchema),
  },
  { additionalProperties: false },
);

export const EdgeSchema = Type.Object(
  {
    from: NodeId,
    to: NodeId,
    branch: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

/**
 * `settings.concurrency` (DESIGN.md "Growing past one machine"): at most `limit` executions of the
 * workflow (per rendered `key`, when given) run or wait at once; the rest stay `pending`
 * (`queue`) or are recorded `skipped` (`skip`).
 */
export const ConcurrencySchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 10_000 }),
    key: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    onLimit: Type.Optional(Type.Union([Type.Literal('queue'), Type.Literal('skip')])),
  },
  { additionalProperties: false },
);

export const SettingsSchema = Type.Object(
  {
    onNodeFailure: Type.Optional(Type.Union([Type.Literal('stop'), Type.Literal('continue')])),
    failureThreshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    maxParallel: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 7 * 86_400_000 })),
    concurrency: Type.Optional(ConcurrencySchema),
  },
  { additionalProperties: false },
);

export const ScheduleSchema = Type.Union([
  Type.Object(
    {
      cron: Type.String({ minLength: 1, maxLength: 200 }),
      timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      overlap: Type.Optional(Type.Union([Type.Literal('skip'), Type.Literal('allow')])),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      intervalMs: Type.Integer({ minimum: 1 }),
      overlap: Type.Optional(Type.Union([Type.Literal('skip'), Type.Literal('allow')])),
    },
    { additionalProperties: false },
  ),
]);

const SecretRef = Type.Object({ secret: Type.String({ pattern: '^[A-Z][A-Z0-9_]{0,63}$' }) }, { additionalProperties: false });

/** A webhook trigger (DESIGN.md "Triggers and secrets"): `POST /hooks/<workflowId>/<name>`. */
export const WebhookTriggerSchema = Type.Object(
  {
    type: Type.Literal('webhook'),
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' }),
    auth: Type.Union([
      Type.Object({ hmac: SecretRef }, { additionalProperties: false }),
      Type.Object({ token: SecretRef }, { additionalProperties: false }),
    ]),
    respond: Type.Optional(Type.Union([Type.Literal('accepted'), Type.Literal('outputs')])),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 300_000 })),
    /** Request headers passed to the execution as `inputs.headers` (besides `content-type`). */
    headers: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9-]{1,100}$' }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);

/** The workflow definition: the contract users write against (DESIGN.md). */
export const WorkflowDefinitionSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    variables: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    settings: Type.Optional(SettingsSchema),
    schedule: Type.Optional(ScheduleSchema),
    nodes: Type.Array(NodeSchema, { minItems: 1 }),
    edges: Type.Optional(Type.Array(EdgeSchema)),
    outputs: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    triggers: Type.Optional(Type.Array(WebhookTriggerSchema, { maxItems: 50 })),
  },
  { additionalProperties: false },
);

export type RetryConfig = Static<typeof RetrySchema>;
export type NodeLimits = Static<typeof LimitsSchema>;
export type NodeDefinition = Static<typeof NodeSchema>;
export type EdgeDefinition = Static<typeof EdgeSchema>;
export type WorkflowSettings = Static<typeof SettingsSchema>;
export type ConcurrencySettings = Static<typeof ConcurrencySchema>;
export type ScheduleDefinition = Static<typeof ScheduleSchema>;
export type WorkflowDefinition = Static<typeof WorkflowDefinitionSchema>;
export type WebhookTrigger = Static<typeof WebhookTriggerSchema>;

/** The secret a trigger authenticates with. */
export function triggerSecret(t: WebhookTrigger): string {
  return 'hmac' in t.auth ? t.auth.hmac.secret : t.auth.token.secret;
}

/** Defaults from DESIGN.md. */
export const SettingsDefaults = {
  onNodeFailure: 'stop' as const,
  maxParallel: 10,
};
