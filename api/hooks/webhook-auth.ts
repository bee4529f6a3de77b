import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** How far a signature's timestamp may be from now, either way (DESIGN.md: 5 minutes). */
export const SIGNATURE_TOLERANCE_S = 300;

/**
 * Checks `X-Weft-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` (several
 * `v1` entries are allowed, as during a secret rotation). The timestamp is inside the MAC, so a
 * captured signature cannot be replayed with a fresh `t`; a reused one within the window is the
 * `Idempotency-Key`'s job. Comparison is constant-time.
 */
export function hmacSignatureValid(header: string | undefined, rawBody: string, secret: string, nowMs: number): boolean {
  if (!header || header.length > 1024) return false;
  let t: string | null = null;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) t = value;
    else if (key === 'v1' && /^[0-9a-fA-F]{64}$/.test(value)) candidates.push(Buffer.from(value, 'hex'));
  }
  if (t === null || candidates.length === 0 || Math.abs(nowMs / 1000 - Number(t)) > SIGNATURE_TOLERANCE_S) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`, 'utf8').digest();
  let ok = false;
  // every candidate is compared, so the time taken does not say which one matched
  for (const c of candidates) ok = timingSafeEqual(c, expected) || ok;
  return ok;
}

/** Checks `Authorization: Bearer <secret>` in constant time (digests compared, so lengths leak nothing either). */
export function bearerTokenValid(header: string | undefined, secret: string): boolean {
  const token = header ? /^Bearer +(\S+) *$/i.exec(header)?.[1] : undefined;
  if (!token || token.length > 70_000) return false;
  return timingSafeEqual(createHash('sha256').update(token).digest(), createHash('sha256').update(secret).digest());
}
