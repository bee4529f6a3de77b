import { createHash } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../errors/api-errors';

/** How long a key that verified once may still be looked up from an address that is over its limit. */
const TRUST_MS = 60 * 60 * 1000;
const MAX_TRUSTED = 10_000;

/**
 * The per-address budget of `/api/v1` requests that carry no key or a refused one
 * (`WEFT_AUTH_FAIL_LIMIT_PER_MINUTE`). Past it the address gets 429 before any key lookup, so a
 * flood of guesses costs the store nothing; a key that verified recently (remembered by its
 * SHA-256, never the key itself) is still looked up, so a legitimate client sharing the address
 * (NAT, the same host) keeps working while the flood is refused.
 */
export class AuthFailureLimiter {
  private readonly limiter: RateLimiterMemory;
  private readonly trusted = new Map<string, number>();

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.limiter = new RateLimiterMemory({ keyPrefix: 'authfail', points: perMinute, duration: 60 });
  }

  /** Throws 429 when the address has used up its budget, unless `token` verified recently. */
  async check(address: string, token: string | null): Promise<void> {
    if (token !== null && this.isTrusted(token)) return;
    const res = await this.limiter.get(address);
    if (res && res.consumedPoints >= this.perMinute) throw this.limited(res);
  }

  /** Counts a request without a valid key; throws 429 once the address is past its budget. */
  async fail(address: string): Promise<void> {
    try {
      await this.limiter.consume(address);
    } catch (err) {
      if (err instanceof RateLimiterRes) throw this.limited(err);
      throw err;
    }
  }

  /** Remembers a key that verified, so the address's budget never locks it out. */
  trust(token: string): void {
    const digest = digestOf(token);
    this.trusted.delete(digest);
    if (this.trusted.size >= MAX_TRUSTED) this.trusted.delete(this.trusted.keys().next().value!);
    this.trusted.set(digest, this.now() + TRUST_MS);
  }

  private isTrusted(token: string): boolean {
    const digest = digestOf(token);
    const until = this.trusted.get(digest);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.trusted.delete(digest);
    return false;
  }

  private limited(res: RateLimiterRes): RateLimitedError {
    const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    return new RateLimitedError(`too many requests without a valid API key from this address; retry in ${seconds} s`, {
      retryAfterMs: seconds * 1000,
    });
  }
}

function digestOf(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}
