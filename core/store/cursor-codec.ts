import { createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../errors/weft-error';

/**
 * Signs and checks list cursors: base64url JSON `{ id, t? }` plus an HMAC over it and the list's
 * scope (a cursor made for one query is refused by another). The one codec of every store, in
 * memory and SQL.
 */
export class CursorCodec {
  constructor(private readonly secret: Buffer) {}

  encode(id: string, scope: string, t?: number): string {
    const payload = Buffer.from(JSON.stringify(t === undefined ? { id } : { id, t })).toString('base64url');
    return `${payload}.${this.mac(payload, scope)}`;
  }

  /** The id inside a cursor; ValidationError when malformed, tampered or made for another query. */
  decode(cursor: unknown, scope: string): string {
    return this.decodePosition(cursor, scope).id;
  }

  /** The id (and start time, for time-ordered lists) inside a cursor. */
  decodePosition(cursor: unknown, scope: string): { id: string; t: number | null } {
    const bad = (why: string) => new ValidationError(`invalid cursor: ${why}`, { details: [{ path: 'cursor', message: why }] });
    if (typeof cursor !== 'string' || cursor.length > 600 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/.test(cursor)) {
      throw bad('malformed');
    }
    const [payload, mac] = cursor.split('.') as [string, string];
    const expected = Buffer.from(this.mac(payload, scope));
    if (!timingSafeEqual(expected, Buffer.from(mac))) throw bad('not issued for this query');
    let data: { id?: unknown; t?: unknown };
    try {
      data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { id?: unknown; t?: unknown };
    } catch {
      throw bad('malformed');
    }
    const { id, t } = data ?? {};
    if (typeof id !== 'string' || id.length === 0 || id.length > 200) throw bad('malformed');
    if (t !== undefined && !Number.isSafeInteger(t)) throw bad('malformed');
    return { id, t: (t as number | undefined) ?? null };
  }

  private mac(payload: string, scope: string): string {
    return createHmac('sha256', this.secret).update(scope).update('\n').update(payload).digest('base64url');
  }
}
