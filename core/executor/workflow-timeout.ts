import type { ExecutionPlan } from '../dag/execution-plan';
import type { ExecutionRunInit } from './execution-run-init';

/** When the workflow's `timeoutMs` runs out, counted from the execution's start (null: no timeout). */
export function workflowDeadlineAt(plan: ExecutionPlan, init: ExecutionRunInit): number | null {
  const timeoutMs = plan.settings.timeoutMs;
  return timeoutMs === null ? null : Date.parse(init.startedAt) + timeoutMs;
}

/**
 * Arms the workflow timeout: a resumed run (after a crash or a wait) has only what is left of it,
 * and one resumed past it times out at once, before any node runs.
 */
export function armWorkflowTimeout(
  plan: ExecutionPlan,
  init: ExecutionRunInit,
  now: number,
  timeOut: (timeoutMs: number) => void,
): NodeJS.Timeout | undefined {
  const timeoutMs = plan.settings.timeoutMs;
  if (timeoutMs === null) return undefined;
  const left = Date.parse(init.startedAt) + timeoutMs - now;
  if (left <= 0 && init.resumed) timeOut(timeoutMs);
  else return setTimeout(() => timeOut(timeoutMs), Math.max(0, Math.min(left, timeoutMs)));
  return undefined;
}
