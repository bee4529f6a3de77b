import type { ExecutionPlan } from '../dag/execution-plan';
import { triggerSecret } from '../model/workflow-definition';
import { SecretRedactor } from './secret-redactor';
import type { SecretStore } from './secret-store';

/**
 * The values of the secrets an execution may use, read before it is recorded: those its
 * triggers authenticate with (a caller may echo a token into the body) and those its nodes
 * name, so they are redacted from the start, inputs included. A node still reads its own
 * secrets when it starts (a rotated value applies to it, and is redacted too); one missing
 * here fails that node then.
 */
export async function secretsInUse(plan: ExecutionPlan, store: SecretStore | null | undefined): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (!store) return out;
  const names = new Set([...(plan.definition.triggers ?? []).map(triggerSecret), ...plan.secretNames]);
  for (const name of names) {
    const value = await store.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

/** `value` with every one of `secrets` replaced by `[secret:NAME]`. */
export function redactWith<T>(secrets: Record<string, string>, value: T): T {
  const names = Object.keys(secrets);
  if (names.length === 0) return value;
  const redactor = new SecretRedactor();
  for (const name of names) redactor.add(name, secrets[name]!);
  return redactor.redact(value);
}

/**
 * A caller's inputs as every path records them (inline, queued, held for a concurrency slot):
 * a used secret's value passed as an input is recorded redacted, and the nodes see it so.
 */
export async function redactedInputs(
  plan: ExecutionPlan,
  store: SecretStore | null | undefined,
  inputs: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  return redactWith(await secretsInUse(plan, store), inputs);
}
