import assert from 'node:assert/strict';
import { parseRetryAfterMs } from '../../../runtime/llm/retry-after';

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delay-seconds, including fractions', () => {
    assert.equal(parseRetryAfterMs('3', now), 3000);
    assert.equal(parseRetryAfterMs(' 0 ', now), 0);
    assert.equal(parseRetryAfterMs('1.5', now), 1500);
  });
  it('reads an HTTP date relative to now, never negative', () => {
    assert.equal(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', now), 10_000);
    assert.equal(parseRetryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now), 0);
  });
  it('ignores absent and garbage values', () => {
    for (const v of [null, undefined, '', '-1', 'soon', '1e3', '0x10']) assert.equal(parseRetryAfterMs(v, now), undefined, String(v));
  });
});
