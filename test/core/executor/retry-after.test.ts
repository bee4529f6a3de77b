import assert from 'node:assert/strict';
import { parseRetryAfterMs } from '../../../core/executor/retry-after';

/** The one Retry-After parser, used by the http.request tool and the LLM provider. */
describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delay-seconds, including fractions', () => {
    assert.equal(parseRetryAfterMs('120', now), 120_000);
    assert.equal(parseRetryAfterMs(' 0 ', now), 0);
    assert.equal(parseRetryAfterMs('1.5', now), 1500);
  });
  it('reads HTTP dates; a date in the past is 0', () => {
    assert.equal(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now), 0);
  });
  it('ignores absent and garbage values (the policy backoff applies)', () => {
    for (const v of [null, undefined, '', '-1', '-5', 'soon', '1e3', '1e400', '0x10'])
      assert.equal(parseRetryAfterMs(v, now), undefined, String(v));
  });
});
