import type { ValidationIssue } from '../../core/plugin/node-type';
import { WeftError } from '../../core/errors/weft-error';
import { CronFireTimes, CronMatchers, DEFAULT_TIME_ZONE } from './fire-time-calculator';
import type { TimeZoneOffsets } from './time-zone-offsets';

export interface ScheduleValidationOptions {
  /** Shortest accepted interval (`WEFT_MIN_INTERVAL_MS`); cron schedules that fire more often are refused too. */
  minIntervalMs: number;
  /** Now, in epoch ms (where the cron checks start). */
  now: number;
  zones: TimeZoneOffsets;
}

const KNOWN_KEYS = new Set(['cron', 'timezone', 'intervalMs', 'overlap']);
/** Fire gaps looked at when checking a cron schedule against the minimum interval. */
const GAP_SAMPLES = 20;

/**
 * Problems with a workflow's `schedule`, each with a path (`schedule.cron`, `schedule.timezone`,
 * `schedule.intervalMs`, ...) and a message saying what is wrong. Empty when it is valid.
 */
export function validateSchedule(schedule: unknown, options: ScheduleValidationOptions): ValidationIssue[] {
  if (typeof schedule !== 'object' || schedule === null || Array.isArray(schedule)) {
    return [issue('schedule', 'must be an object with "cron" (and optionally "timezone") or "intervalMs"')];
  }
  const s = schedule as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(s)) {
    if (!KNOWN_KEYS.has(key)) issues.push(issue(`schedule.${key}`, `unknown key "${key}" (allowed: cron, timezone, intervalMs, overlap)`));
  }
  if (s.overlap !== undefined && s.overlap !== 'skip' && s.overlap !== 'allow') {
    issues.push(issue('schedule.overlap', `must be "skip" or "allow", got ${describe(s.overlap)}`));
  }
  const hasCron = s.cron !== undefined;
  const hasInterval = s.intervalMs !== undefined;
  if (hasCron && hasInterval) {
    issues.push(issue('schedule', 'has both "cron" and "intervalMs"; use one of them'));
    return issues;
  }
  if (!hasCron && !hasInterval) {
    issues.push(issue('schedule', 'needs "cron" (and optionally "timezone") or "intervalMs"'));
    return issues;
  }
  if (hasInterval) {
    if (s.timezone !== undefined)
      issues.push(issue('schedule.timezone', 'applies to cron schedules only (interval schedules count elapsed time)'));
    issues.push(...validateInterval(s.intervalMs, options.minIntervalMs));
    return issues;
  }
  issues.push(...validateCron(s.cron, s.timezone, options));
  return issues;
}

function validateInterval(value: unknown, minIntervalMs: number): ValidationIssue[] {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    return [issue('schedule.intervalMs', `must be a positive whole number of milliseconds, got ${describe(value)}`)];
  }
  if (value < minIntervalMs) {
    return [issue('schedule.intervalMs', `${value} ms is below the minimum interval of ${minIntervalMs} ms (WEFT_MIN_INTERVAL_MS)`)];
  }
  return [];
}

function validateCron(cron: unknown, timezone: unknown, options: ScheduleValidationOptions): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  let tz: string | null = DEFAULT_TIME_ZONE;
  if (timezone !== undefined) {
    if (typeof timezone !== 'string' || timezone.trim() === '') {
      issues.push(issue('schedule.timezone', `must be an IANA time zone name such as "Europe/Paris", got ${describe(timezone)}`));
      tz = null;
    } else {
      try {
        tz = options.zones.canonical(timezone);
      } catch (err) {
        issues.push(issue('schedule.timezone', messageOf(err)));
        tz = null;
      }
    }
  }
  if (typeof cron !== 'string' || cron.trim() === '') {
    issues.push(issue('schedule.cron', `must be a cron expression such as "0 */5 * * * *", got ${describe(cron)}`));
    return issues;
  }
  const matchers = new CronMatchers(1);
  try {
    matchers.get(cron);
  } catch (err) {
    issues.push(issue('schedule.cron', messageOf(err)));
    return issues;
  }
  if (tz === null) return issues;
  const calc = new CronFireTimes(cron, tz, options.zones, matchers);
  let prev = calc.next(options.now);
  if (prev === null) {
    issues.push(issue('schedule.cron', `cron expression "${cron}" never fires`));
    return issues;
  }
  let smallest = Infinity;
  for (let i = 0; i < GAP_SAMPLES; i++) {
    const n = calc.next(prev);
    if (n === null) break;
    smallest = Math.min(smallest, n - prev);
    prev = n;
  }
  if (smallest < options.minIntervalMs) {
    issues.push(
      issue(
        'schedule.cron',
        `cron expression "${cron}" fires every ${smallest} ms, more often than the minimum interval of ${options.minIntervalMs} ms (WEFT_MIN_INTERVAL_MS)`,
      ),
    );
  }
  return issues;
}

function issue(path: string, message: string): ValidationIssue {
  return { path, message, code: 'WF_VALIDATION' };
}

function messageOf(err: unknown): string {
  return err instanceof WeftError || err instanceof Error ? err.message : String(err);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
