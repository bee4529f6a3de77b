import assert from 'node:assert/strict';
import { validateSchedule } from '../../../runtime/scheduler/schedule-validator';
import { TimeZoneOffsets } from '../../../runtime/scheduler/time-zone-offsets';

const options = { minIntervalMs: 1000, now: Date.parse('2026-06-01T00:00:00Z'), zones: new TimeZoneOffsets() };
const check = (s: unknown, o = options) => validateSchedule(s, o);

describe('validateSchedule', () => {
  it('accepts cron (5 or 6 fields, nicknames) with IANA zones, and intervals at or above the minimum', () => {
    assert.deepEqual(check({ cron: '0 */5 * * * *', timezone: 'Europe/Paris' }), []);
    assert.deepEqual(check({ cron: '30 2 * * 1-5', timezone: 'America/New_York', overlap: 'allow' }), []);
    assert.deepEqual(check({ cron: '@daily' }), []);
    assert.deepEqual(check({ cron: '* * * * * *' }), []);
    assert.deepEqual(check({ intervalMs: 1000, overlap: 'skip' }), []);
  });

  it('rejects an invalid cron expression with its path and what is wrong', () => {
    const [issue, ...rest] = check({ cron: '61 * * * *' });
    assert.equal(rest.length, 0);
    assert.equal(issue!.path, 'schedule.cron');
    assert.match(issue!.message, /invalid cron expression "61 \* \* \* \*": .*minute.*61/i);
    assert.match(check({ cron: 'every day' })[0]!.message, /invalid cron expression "every day"/);
    assert.match(check({ cron: '* * * * * * *' })[0]!.message, /5 or 6 parts/);
    assert.match(check({ cron: '2026-01-01T00:00:00' })[0]!.message, /a date is not a cron expression/);
    assert.match(check({ cron: '0 0 30 2 *' })[0]!.message, /never fires/);
    assert.equal(check({ cron: 42 })[0]!.path, 'schedule.cron');
  });

  it('rejects an unknown time zone', () => {
    const issues = check({ cron: '0 * * * *', timezone: 'Mars/Olympus' });
    assert.deepEqual(
      issues.map((i) => i.path),
      ['schedule.timezone'],
    );
    assert.match(issues[0]!.message, /unknown time zone "Mars\/Olympus"/);
    assert.equal(check({ cron: '0 * * * *', timezone: '' })[0]!.path, 'schedule.timezone');
    // Fixed offsets are not IANA zones: refused on every Node version (Node 22+'s Intl accepts them).
    for (const offset of ['+02:00', '-0530', '+01', '\u221201:00']) {
      const found = check({ cron: '0 * * * *', timezone: offset });
      assert.deepEqual(
        found.map((i) => i.path),
        ['schedule.timezone'],
        offset,
      );
      assert.match(found[0]!.message, /unknown time zone .*expected an IANA name/, offset);
    }
  });

  it('reports cron and timezone problems together', () => {
    assert.deepEqual(
      check({ cron: 'x', timezone: 'Nowhere/Land' })
        .map((i) => i.path)
        .sort(),
      ['schedule.cron', 'schedule.timezone'],
    );
  });

  it('rejects an interval below the minimum, and nonsense intervals', () => {
    const [issue] = check({ intervalMs: 500 });
    assert.equal(issue!.path, 'schedule.intervalMs');
    assert.match(issue!.message, /500 ms is below the minimum interval of 1000 ms/);
    for (const bad of [0, -1, 1.5, '1000', Number.MAX_VALUE, NaN]) {
      assert.equal(check({ intervalMs: bad })[0]!.path, 'schedule.intervalMs', String(bad));
    }
  });

  it('rejects a cron schedule that fires more often than the minimum interval', () => {
    const issues = check({ cron: '* * * * * *' }, { ...options, minIntervalMs: 60_000 });
    assert.equal(issues[0]!.path, 'schedule.cron');
    assert.match(issues[0]!.message, /fires every 1000 ms, more often than the minimum interval of 60000 ms/);
  });

  it('rejects shapes that are not schedules', () => {
    assert.equal(check(null)[0]!.path, 'schedule');
    assert.equal(check([])[0]!.path, 'schedule');
    assert.match(check({})[0]!.message, /needs "cron"/);
    assert.match(check({ cron: '* * * * *', intervalMs: 1000 })[0]!.message, /both/);
    assert.deepEqual(
      check({ intervalMs: 1000, timezone: 'UTC' }).map((i) => i.path),
      ['schedule.timezone'],
    );
    assert.deepEqual(
      check({ intervalMs: 1000, overlap: 'queue' }).map((i) => i.path),
      ['schedule.overlap'],
    );
    assert.deepEqual(
      check({ intervalMs: 1000, __proto__x: 1 }).map((i) => i.path),
      ['schedule.__proto__x'],
    );
  });
});
