import { ValidationError } from '../../core/errors/weft-error';

/** How a local wall-clock time maps to instants in a time zone. */
export type WallTimeInstants =
  /** The usual case: one instant. */
  | { kind: 'normal'; instants: [number] }
  /** The wall time occurs twice (clocks went back): the earlier and the later instant. */
  | { kind: 'overlap'; instants: [number, number] }
  /** The wall time does not exist (clocks went forward); `transition` is the first instant after the gap. */
  | { kind: 'gap'; transition: number };

const DAY_MS = 86_400_000;
const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Etc/Universal', 'Etc/Zulu', 'Universal', 'Zulu']);

/**
 * UTC offsets of IANA time zones, from the platform's `Intl` data (the tz database Node ships).
 * "Wall time" below is a local date-time written as if it were UTC (epoch ms), so plain
 * arithmetic works on it. One instance caches one formatter per zone; the scheduler shares it
 * between all its schedules.
 */
export class TimeZoneOffsets {
  private readonly formatters = new Map<string, Intl.DateTimeFormat | null>();
  private readonly names = new Map<string, string>();
  /** Transition instants found so far, per zone (a zone has a couple a year; searching costs ~25 formats). */
  private readonly transitions = new Map<string, number[]>();

  /** The canonical name of `timeZone` (`europe/paris` → `Europe/Paris`); ValidationError when unknown. */
  canonical(timeZone: string): string {
    let name = this.names.get(timeZone);
    if (name === undefined) {
      try {
        // Building an Intl.DateTimeFormat costs about a millisecond: once per distinct name.
        name = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
      } catch {
        throw unknownTimeZone(timeZone);
      }
      // Node 22+ (V8 12.4+) also accepts fixed offsets ("+02:00", "-0530") as time zones, Node 20
      // refuses them; a schedule names an IANA zone, whose daylight-saving rules an offset lacks,
      // and means the same on every Node version. IANA names never start with a sign.
      if (/^[+\-\u2212]/.test(name)) throw unknownTimeZone(timeZone);
      if (this.names.size < 10_000) this.names.set(timeZone, name);
    }
    return name;
  }

  /** Offset of `timeZone` from UTC at `instant`, in ms (Paris in summer: +7 200 000). */
  offsetAt(timeZone: string, instant: number): number {
    return this.wallTime(timeZone, instant) - instant;
  }

  /** The local wall time at `instant` (milliseconds kept). */
  wallTime(timeZone: string, instant: number): number {
    const f = this.formatter(timeZone);
    if (!f) return instant;
    let y = 0,
      mo = 0,
      d = 0,
      h = 0,
      mi = 0,
      s = 0;
    for (const p of f.formatToParts(instant)) {
      switch (p.type) {
        case 'year':
          y = Number(p.value);
          break;
        case 'month':
          mo = Number(p.value);
          break;
        case 'day':
          d = Number(p.value);
          break;
        case 'hour':
          h = Number(p.value);
          break;
        case 'minute':
          mi = Number(p.value);
          break;
        case 'second':
          s = Number(p.value);
          break;
        case 'era':
          if (p.value.startsWith('B')) y = 1 - y;
          break;
      }
    }
    const ms = ((instant % 1000) + 1000) % 1000;
    const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
    // Date.UTC maps years 0–99 to 1900–1999; fix those (only hostile inputs get there).
    return y >= 0 && y < 100 ? new Date(wall).setUTCFullYear(y) : wall;
  }

  /**
   * The instants at which the local clock of `timeZone` reads `wall`. Offsets are sampled a day
   * either side, which is exact as long as a zone's transitions are more than two days apart
   * (true of every zone in the tz database in the years a scheduler looks at).
   */
  instantsOf(timeZone: string, wall: number): WallTimeInstants {
    if (!this.formatter(timeZone)) return { kind: 'normal', instants: [wall] };
    const before = this.offsetAt(timeZone, wall - DAY_MS);
    const after = this.offsetAt(timeZone, wall + DAY_MS);
    if (before === after) return { kind: 'normal', instants: [wall - before] };
    const found = [wall - before, wall - after].filter((i) => this.wallTime(timeZone, i) === wall).sort((a, b) => a - b);
    if (found.length === 2 && found[0] !== found[1]) return { kind: 'overlap', instants: [found[0]!, found[1]!] };
    if (found.length >= 1) return { kind: 'normal', instants: [found[0]!] };
    // A gap: the clocks jumped from before the wall time to after it, somewhere between these two.
    return { kind: 'gap', transition: this.transitionBetween(timeZone, wall - after, wall - before) };
  }

  /** The first instant in (lo, hi] whose offset differs from the offset at `lo` (binary search, 1 ms). */
  transitionBetween(timeZone: string, lo: number, hi: number): number {
    let known = this.transitions.get(timeZone);
    const hit = known?.find((t) => t > lo && t <= hi);
    if (hit !== undefined) return hit;
    const start = this.offsetAt(timeZone, lo);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.offsetAt(timeZone, mid) === start) lo = mid;
      else hi = mid;
    }
    if (!known) this.transitions.set(timeZone, (known = []));
    if (known.length >= 64) known.shift();
    known.push(hi);
    return hi;
  }

  /** Null for UTC-like zones (no formatting needed). */
  private formatter(timeZone: string): Intl.DateTimeFormat | null {
    let f = this.formatters.get(timeZone);
    if (f === undefined) {
      const name = this.canonical(timeZone);
      f = UTC_NAMES.has(name)
        ? null
        : new Intl.DateTimeFormat('en-US', {
            timeZone: name,
            hourCycle: 'h23',
            era: 'short',
            year: 'numeric',
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: 'numeric',
            second: 'numeric',
          });
      this.formatters.set(timeZone, f);
    }
    return f;
  }
}

/** Formats `instant` as ISO 8601 with the zone's offset at that instant (`2026-03-29T03:00:00+02:00`); ms only when non-zero. */
export function formatWithOffset(zones: TimeZoneOffsets, timeZone: string, instant: number): string {
  const offset = zones.offsetAt(timeZone, instant);
  const local = new Date(instant + offset).toISOString();
  const body = local.endsWith('.000Z') ? local.slice(0, -5) : local.slice(0, -1);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(Math.round(offset / 1000));
  const hh = String(Math.floor(abs / 3600)).padStart(2, '0');
  const mm = String(Math.floor((abs % 3600) / 60)).padStart(2, '0');
  // Every zone in use today has a whole-minute offset (ISO 8601 offsets have no seconds).
  return `${body}${sign}${hh}:${mm}`;
}

function unknownTimeZone(timeZone: string): ValidationError {
  return new ValidationError(`unknown time zone "${String(timeZone).slice(0, 100)}" (expected an IANA name such as "Europe/Paris")`);
}
