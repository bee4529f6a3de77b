import assert from 'node:assert/strict';
import {
  CronFireTimes,
  IntervalFireTimes,
  createFireTimeCalculator,
  isFixedTime,
  parseCron,
} from '../../../runtime/scheduler/fire-time-calculator';
import { TimeZoneOffsets, formatWithOffset } from '../../../runtime/scheduler/time-zone-offsets';
import { ValidationError } from '../../../core/errors/weft-error';

const zones = new TimeZoneOffsets();

/** The next `n` fire times after `from`, as UTC ISO strings. */
function fires(pattern: string, tz: string, from: string, n: number): string[] {
  const calc = new CronFireTimes(pattern, tz, zones);
  const out: string[] = [];
  let t: number | null = Date.parse(from);
  while (out.length < n && (t = calc.next(t)) !== null) out.push(new Date(t).toISOString());
  return out;
}

describe('fire-time calculator', () => {
  describe('interval schedules', () => {
    it('fires on multiples of the interval since the epoch, strictly after the given time', () => {
      const c = new IntervalFireTimes(1000);
      assert.equal(c.next(1_800_000_000_500), 1_800_000_001_000);
      assert.equal(c.next(1_800_000_001_000), 1_800_000_002_000);
      assert.equal(c.previous(1_800_000_001_999), 1_800_000_001_000);
      assert.equal(c.previous(1_800_000_001_000), 1_800_000_001_000);
    });
  });

  describe('cron schedules', () => {
    it('supports an optional seconds field', () => {
      assert.deepEqual(fires('*/20 * * * * *', 'UTC', '2026-01-01T00:00:05Z', 3), [
        '2026-01-01T00:00:20.000Z',
        '2026-01-01T00:00:40.000Z',
        '2026-01-01T00:01:00.000Z',
      ]);
      assert.deepEqual(fires('0 12 * * *', 'UTC', '2026-01-01T12:00:00Z', 1), ['2026-01-02T12:00:00.000Z']);
    });

    it('computes fire times in the schedule time zone', () => {
      assert.deepEqual(fires('0 9 * * *', 'America/New_York', '2026-01-10T00:00:00Z', 1), ['2026-01-10T14:00:00.000Z']);
      assert.deepEqual(fires('0 9 * * *', 'Asia/Kolkata', '2026-01-10T00:00:00Z', 1), ['2026-01-10T03:30:00.000Z']);
    });

    it('spring forward: a fixed local time that does not exist runs once, at the first instant after the gap', () => {
      // Europe/Paris 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00Z); 02:30 does not exist that day.
      assert.deepEqual(fires('30 2 * * *', 'Europe/Paris', '2026-03-28T12:00:00Z', 3), [
        '2026-03-29T01:00:00.000Z',
        '2026-03-30T00:30:00.000Z',
        '2026-03-31T00:30:00.000Z',
      ]);
      // with a seconds field, the same rule
      assert.deepEqual(fires('15 30 2 * * *', 'Europe/Paris', '2026-03-28T12:00:00Z', 2), [
        '2026-03-29T01:00:00.000Z',
        '2026-03-30T00:30:15.000Z',
      ]);
      // every fire of the missing 02:30 minute collapses into that one fire too
      assert.deepEqual(fires('*/10 30 2 * * *', 'Europe/Paris', '2026-03-29T00:59:55Z', 2), [
        '2026-03-29T01:00:00.000Z',
        '2026-03-30T00:30:00.000Z',
      ]);
    });

    it('fall back: a fixed local time that occurs twice runs once, at its first occurrence', () => {
      // Europe/Paris 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00Z); 02:30 happens at 00:30Z and 01:30Z.
      assert.deepEqual(fires('30 2 * * *', 'Europe/Paris', '2026-10-24T12:00:00Z', 2), [
        '2026-10-25T00:30:00.000Z',
        '2026-10-26T01:30:00.000Z',
      ]);
      assert.deepEqual(fires('0 30 2 * * *', 'Europe/Paris', '2026-10-25T00:30:00Z', 1), ['2026-10-26T01:30:00.000Z']);
      // asked from inside the repeated hour, the second 02:30 is not offered either
      assert.deepEqual(fires('30 2 * * *', 'Europe/Paris', '2026-10-25T01:10:00Z', 1), ['2026-10-26T01:30:00.000Z']);
    });

    it('wildcard patterns follow elapsed time through both changes', () => {
      // spring forward: no fires for local times that do not exist, no repeated instants (croner alone repeats 01:00Z and 01:30Z)
      assert.deepEqual(fires('*/30 * * * *', 'Europe/Paris', '2026-03-29T00:00:00Z', 4), [
        '2026-03-29T00:30:00.000Z',
        '2026-03-29T01:00:00.000Z',
        '2026-03-29T01:30:00.000Z',
        '2026-03-29T02:00:00.000Z',
      ]);
      // fall back: every 30 minutes of elapsed time, through both passes of 02:xx
      assert.deepEqual(fires('*/30 * * * *', 'Europe/Paris', '2026-10-24T23:45:00Z', 5), [
        '2026-10-25T00:00:00.000Z',
        '2026-10-25T00:30:00.000Z',
        '2026-10-25T01:00:00.000Z',
        '2026-10-25T01:30:00.000Z',
        '2026-10-25T02:00:00.000Z',
      ]);
      // and from inside the second pass
      assert.deepEqual(fires('*/30 * * * *', 'Europe/Paris', '2026-10-25T01:10:00Z', 2), [
        '2026-10-25T01:30:00.000Z',
        '2026-10-25T02:00:00.000Z',
      ]);
    });

    it('fire times only increase and never repeat around both DST changes', () => {
      const calc = new CronFireTimes('*/7 * * * * *', 'Europe/Paris', zones);
      for (const from of ['2026-03-29T00:30:00Z', '2026-10-25T00:30:00Z']) {
        let t = Date.parse(from);
        for (let i = 0; i < 2000; i++) {
          const n = calc.next(t)!;
          assert.ok(n > t, `fire ${new Date(n).toISOString()} after ${new Date(t).toISOString()}`);
          t = n;
        }
      }
    });

    it('previous() finds the latest fire at or before a time, also across DST changes', () => {
      const fixed = new CronFireTimes('30 2 * * *', 'Europe/Paris', zones);
      assert.equal(new Date(fixed.previous(Date.parse('2026-03-29T01:05:00Z'))!).toISOString(), '2026-03-29T01:00:00.000Z');
      assert.equal(new Date(fixed.previous(Date.parse('2026-10-25T01:40:00Z'))!).toISOString(), '2026-10-25T00:30:00.000Z');
      assert.equal(new Date(fixed.previous(Date.parse('2026-10-25T00:30:00Z'))!).toISOString(), '2026-10-25T00:30:00.000Z');
      const wild = new CronFireTimes('*/30 * * * *', 'Europe/Paris', zones);
      assert.equal(new Date(wild.previous(Date.parse('2026-10-25T01:10:00Z'))!).toISOString(), '2026-10-25T01:00:00.000Z');
      assert.equal(new Date(wild.previous(Date.parse('2026-10-25T00:50:00Z'))!).toISOString(), '2026-10-25T00:30:00.000Z');
    });

    it('classifies fixed-time and wildcard patterns as Debian cron does', () => {
      assert.equal(isFixedTime('30 2 * * *'), true);
      assert.equal(isFixedTime('0 30 2 * * *'), true);
      assert.equal(isFixedTime('*/5 * * * *'), false);
      assert.equal(isFixedTime('0 * 2 * * *'), false);
      assert.equal(isFixedTime('@daily'), true);
      assert.equal(isFixedTime('@hourly'), false);
    });

    it('rejects patterns that are not repeating cron expressions', () => {
      for (const bad of ['61 * * * *', 'a b c', '* * * * * * *', '2026-01-01T00:00:00', '* * * * * * * *', '']) {
        assert.throws(
          () => parseCron(bad),
          (e: unknown) => e instanceof ValidationError && /invalid cron expression/.test(e.message),
          bad,
        );
      }
    });

    it('returns null when a pattern never fires', () => {
      assert.equal(new CronFireTimes('0 0 30 2 *', 'UTC', zones).next(Date.parse('2026-01-01T00:00:00Z')), null);
    });
  });

  describe('createFireTimeCalculator', () => {
    it('canonicalises the time zone and refuses unknown ones', () => {
      assert.equal(createFireTimeCalculator({ cron: '* * * * *', timezone: 'europe/paris' }, zones).timeZone, 'Europe/Paris');
      assert.equal(createFireTimeCalculator({ cron: '* * * * *' }, zones).timeZone, 'UTC');
      assert.throws(
        () => createFireTimeCalculator({ cron: '* * * * *', timezone: 'Mars/Olympus' }, zones),
        /unknown time zone "Mars\/Olympus"/,
      );
      assert.throws(() => createFireTimeCalculator({ intervalMs: -5 }, zones), ValidationError);
    });
  });

  describe('formatWithOffset', () => {
    it('writes the zone offset in force at the instant', () => {
      assert.equal(formatWithOffset(zones, 'Europe/Paris', Date.parse('2026-03-29T01:00:00Z')), '2026-03-29T03:00:00+02:00');
      assert.equal(formatWithOffset(zones, 'Europe/Paris', Date.parse('2026-03-29T00:59:59Z')), '2026-03-29T01:59:59+01:00');
      assert.equal(formatWithOffset(zones, 'America/New_York', Date.parse('2026-01-10T14:00:00Z')), '2026-01-10T09:00:00-05:00');
      assert.equal(formatWithOffset(zones, 'Asia/Kathmandu', Date.parse('2026-01-10T00:00:00Z')), '2026-01-10T05:45:00+05:45');
      assert.equal(formatWithOffset(zones, 'UTC', Date.parse('2026-01-10T00:00:00.250Z')), '2026-01-10T00:00:00.250+00:00');
    });
  });
});
