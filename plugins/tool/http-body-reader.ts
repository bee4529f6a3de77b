/** What {@link readBody} read: at most `maxBytes`, and whether the body was longer. */
export interface BodyBytes {
  bytes: Uint8Array;
  truncated: boolean;
}

/**
 * Reads a fetch response body up to `maxBytes`, cancelling the stream beyond it so a huge (or
 * endless) response neither fills memory nor keeps the socket busy.
 */
export async function readBody(res: Response, maxBytes: number): Promise<BodyBytes> {
  if (!res.body) return { bytes: new Uint8Array(0), truncated: false };
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body.cancel().catch(() => undefined);
    return { bytes: new Uint8Array(0), truncated: true };
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - total));
      total = maxBytes;
      await reader.cancel().catch(() => undefined);
      return { bytes: concat(chunks, total), truncated: true };
    }
    chunks.push(value);
    total += value.byteLength;
  }
  return { bytes: concat(chunks, total), truncated: false };
}

/** Decodes with the content type's charset, falling back to UTF-8 for unknown labels. */
export function decodeText(bytes: Uint8Array, contentType: string | null): string {
  const charset = /;\s*charset="?([^";\s]+)"?/i.exec(contentType ?? '')?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** `application/json`, `application/problem+json`, ... */
export function isJsonContentType(contentType: string | null): boolean {
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return media === 'application/json' || /^[a-z0-9.+-]+\/[a-z0-9.+-]*\+json$/.test(media);
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
