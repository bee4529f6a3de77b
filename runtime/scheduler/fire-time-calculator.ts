import { Cron } from 'croner';
import type { ScheduleDefinition } from '../../core/model/workflow-definition';
import { ValidationError } from '../../core/errors/weft-error';
import type { TimeZoneOffsets } from './time-zone-offsets';

/** When a schedule fires. All times are epoch milliseconds. */
export interface FireTimeCalculator {
  /** The zone fire times are shown in (`UTC` for interval schedules). */
  readonly timeZone: string;
  /** The first fire time strictly after `after`, or null when the schedule never fires again. */
  next(after: number): number | null;
  /** The latest fire time at or before `at`, or null. */
  previous(at: number): number | null;
}

/** The timezone of a cron schedule that names none. UTC, so every server computes the same fire times. */
export const DEFAULT_TIME_ZONE = 'UTC';

/**
 * Interval schedules fire on multiples of the interval since the Unix epoch (`intervalMs: 60000`
 * fires at every whole minute). Anchoring the grid to a fixed origin rather than to process start
 * is what lets several `weft serve` processes agree on fire times, and so on idempotency keys.
 */
export class IntervalFireTimes implements FireTimeCalculator {
  readonly timeZone = DEFAULT_TIME_ZONE;
  constructor(readonly intervalMs: number) {}
  next(after: number): number {
    return (Math.floor(after / this.intervalMs) + 1) * this.intervalMs;
  }
  previous(at: number): number {
    return Math.floor(at / this.intervalMs) * this.intervalMs;
  }
}

/** Safety bound on loops; a legitimate search needs a handful of steps (a few thousand inside a DST gap at most). */
const MAX_STEPS = 100_000;
const HOUR_MS = 3_600_000;

/**
 * Cron fire times in an IANA time zone, with the DST rules of Debian's cron (see README.md):
 *  - a *fixed-time* pattern (minute and hour fields not wildcards) whose local time falls in a
 *    spring-forward gap runs once, at the first instant after the gap; a local time that occurs
 *    twice (fall back) runs once, at its first occurrence;
 *  - a *wildcard* pattern (`*` or `*\/n` in the minute or hour field, `@hourly`) follows elapsed
 *    time: local times inside a gap do not exist and are not run, repeated local times run twice.
 *
 * croner matches the pattern on the local wall clock (run with `utcOffset: 0`, i.e. on wall times
 * written as UTC); the wall-time → instant mapping is ours, because croner's own timezone mode
 * returns the same instants twice and goes backwards around a spring-forward gap
 * (`*\/30 * * * *`, Europe/Paris, 2026-03-29: 01:00Z, 01:30Z, 01:00Z, 01:30Z).
 */
export class CronFireTimes implements FireTimeCalculator {
  /** Debian cron's "fixed-time job": DST gaps and overlaps get the special rules. */
  readonly fixedTime: boolean;

  constructor(
    readonly pattern: string,
    readonly timeZone: string,
    private readonly zones: TimeZoneOffsets,
    private readonly matchers: CronMatchers = new CronMatchers(1),
  ) {
    matchers.get(pattern); // parses now: an invalid pattern throws here, not at the first fire
    this.fixedTime = isFixedTime(pattern);
  }

  /** croner's matcher for the pattern on the wall clock (shared between schedules with the same pattern). */
  private get wallClock(): Cron {
    return this.matchers.get(this.pattern);
  }

  next(after: number): number | null {
    const tz = this.timeZone;
    const wall = this.zones.wallTime(tz, after);
    let scanFrom = wall;
    let best: number | null = null;
    const here = this.zones.instantsOf(tz, wall);
    if (here.kind === 'overlap') {
      // `after` is inside a repeated (fall-back) period: [overlapStart, overlapEnd) in wall time.
      const [first, second] = here.instants;
      const transition = this.zones.transitionBetween(tz, first, second);
      const offBefore = this.zones.offsetAt(tz, transition - 1);
      const offAfter = this.zones.offsetAt(tz, transition);
      const overlapStart = transition + offAfter;
      const overlapEnd = transition + offBefore;
      // In the second pass, every first-pass instant of the overlap is already behind us.
      if (after === second) scanFrom = overlapEnd;
      if (!this.fixedTime) {
        // Wildcard patterns also fire in the second pass: its first match still ahead of `after`.
        const l = after === second ? this.matchAtOrAfter(wall + 1) : this.matchAtOrAfter(overlapStart);
        if (l !== null && l < overlapEnd) best = l - offAfter;
      }
    }
    // First-pass (or only) instants grow with the wall time, so the first one after `after` is the smallest.
    let l = this.matchAtOrAfter(scanFrom);
    for (let steps = 0; l !== null && steps < MAX_STEPS; steps++) {
      const m = this.zones.instantsOf(tz, l);
      if (m.kind === 'gap') {
        if (this.fixedTime && m.transition > after) return min(best, m.transition);
        // Skip the rest of the gap in one step (a per-second pattern has thousands of matches in it).
        l = this.matchAtOrAfter(m.transition + this.zones.offsetAt(tz, m.transition));
        continue;
      }
      const i = m.instants[0];
      if (i > after) return min(best, i);
      l = this.matchAtOrAfter(l + 1000);
    }
    return best;
  }

  previous(at: number): number | null {
    const tz = this.timeZone;
    const wall = this.zones.wallTime(tz, at);
    // Candidates: the latest wall-clock matches at or before `wall`, mapped to instants...
    let cand: number | null = null;
    for (const d of this.wallClock.previousRuns(2, new Date(wall + 1000))) {
      const m = this.zones.instantsOf(tz, d.getTime());
      const instants =
        m.kind === 'gap' ? (this.fixedTime ? [m.transition] : []) : m.kind === 'overlap' && this.fixedTime ? [m.instants[0]] : m.instants;
      for (const i of instants) if (i <= at && (cand === null || i > cand)) cand = i;
    }
    // ...then walk forward, which also finds later wall times that map to earlier instants (DST overlaps).
    let cursor = cand ?? at - 3 * HOUR_MS;
    for (let steps = 0; steps < MAX_STEPS; steps++) {
      const n = this.next(cursor);
      if (n === null || n > at) break;
      cand = cursor = n;
    }
    return cand;
  }

  /** The first wall-clock match at or after `wall` (croner works in whole seconds). */
  private matchAtOrAfter(wall: number): number | null {
    return this.wallClock.nextRun(new Date(wall - 1))?.getTime() ?? null;
  }
}

/**
 * Parsed cron patterns, shared and bounded. A croner `Cron` costs about 80 KB and a millisecond to
 * build (its pattern keeps a 10,000-entry year table), so ten thousand schedules must not each
 * hold one: schedules with the same pattern share one, and the least recently used are dropped
 * (rebuilt on their next use) beyond `capacity`.
 */
export class CronMatchers {
  private readonly cache = new Map<string, Cron>();
  constructor(private readonly capacity = 256) {}

  get(pattern: string): Cron {
    let cron = this.cache.get(pattern);
    if (cron) {
      this.cache.delete(pattern);
    } else {
      cron = parseCron(pattern);
      if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(pattern, cron);
    return cron;
  }

  get size(): number {
    return this.cache.size;
  }
}

function min(a: number | null, b: number): number {
  return a === null ? b : Math.min(a, b);
}

/**
 * Parses a cron expression: 5 fields, or 6 with seconds first; nicknames such as `@daily`.
 * Throws a ValidationError saying what is wrong.
 */
export function parseCron(pattern: string): Cron {
  const text = pattern.trim();
  let cron: Cron;
  try {
    cron = new Cron(text, { utcOffset: 0, paused: true, mode: '5-or-6-parts' });
  } catch (err) {
    const why = String((err as Error).message ?? err).replace(/^Cron\w*:\s*/, '');
    throw new ValidationError(`invalid cron expression "${pattern}": ${why}`);
  }
  // croner also accepts an ISO date as a run-once "pattern"; a schedule must repeat.
  if (cron.getOnce() !== null) {
    throw new ValidationError(
      `invalid cron expression "${pattern}": a date is not a cron expression (expected 5 fields, or 6 with seconds first)`,
    );
  }
  return cron;
}

/** Debian cron: a job is fixed-time unless its minute or hour field is a wildcard (`*`, `*\/n`, `?`) or it is `@hourly`. */
export function isFixedTime(pattern: string): boolean {
  const text = pattern.trim().toLowerCase();
  if (text.startsWith('@')) return text !== '@hourly';
  const f = text.split(/\s+/);
  const [minute, hour] = f.length === 6 ? [f[1]!, f[2]!] : [f[0]!, f[1]!];
  const wild = (s: string) => s.startsWith('*') || s.startsWith('?');
  return !wild(minute) && !wild(hour);
}

/** Builds the calculator of a schedule; ValidationError (with a message saying what) when it is invalid. */
export function createFireTimeCalculator(
  schedule: ScheduleDefinition,
  zones: TimeZoneOffsets,
  matchers?: CronMatchers,
): FireTimeCalculator {
  if ('cron' in schedule && typeof schedule.cron === 'string') {
    const tz = zones.canonical(schedule.timezone ?? DEFAULT_TIME_ZONE);
    return new CronFireTimes(schedule.cron.trim().replace(/\s+/g, ' '), tz, zones, matchers);
  }
  if ('intervalMs' in schedule && Number.isSafeInteger(schedule.intervalMs) && schedule.intervalMs > 0) {
    return new IntervalFireTimes(schedule.intervalMs);
  }
  throw new ValidationError('a schedule needs "cron" (with an optional "timezone") or a positive integer "intervalMs"');
}
