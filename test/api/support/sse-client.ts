/** One parsed Server-Sent Event. */
export interface SseEvent {
  event: string;
  id: string | undefined;
  data: any;
}

export interface SseResult {
  status: number;
  contentType: string | null;
  events: SseEvent[];
  /** Comment lines (heartbeats). */
  comments: number;
  /** True when the server ended the stream (as opposed to our timeout). */
  closedByServer: boolean;
}

/** A stream read that also tells when its first event of `kind` has arrived (the stream is open and subscribed). */
export function readSseOnceOpen(
  url: string,
  key: string,
  options: { timeoutMs?: number; kind?: string } = {},
): { result: Promise<SseResult>; opened: Promise<SseEvent> } {
  let opened!: (e: SseEvent) => void;
  const openedPromise = new Promise<SseEvent>((resolve) => (opened = resolve));
  const kind = options.kind ?? 'snapshot';
  const result = readSse(url, key, { timeoutMs: options.timeoutMs, onEvent: (e) => e.event === kind && opened(e) });
  return { result, opened: openedPromise };
}

/**
 * Reads an SSE stream until the server closes it (or `timeoutMs`, then aborts), parsing frames
 * per the spec: `field: value` lines, blank line dispatches, `:` lines are comments.
 */
export async function readSse(
  url: string,
  key: string,
  options: {
    timeoutMs?: number;
    headers?: Record<string, string>;
    onEvent?: (e: SseEvent) => void;
    /** The client goes away (closes its side) right after the first event this returns true for. */
    leaveAfter?: (e: SseEvent) => boolean;
  } = {},
): Promise<SseResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 10_000);
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}`, ...options.headers }, signal: controller.signal });
  const result: SseResult = {
    status: res.status,
    contentType: res.headers.get('content-type'),
    events: [],
    comments: 0,
    closedByServer: false,
  };
  if (!res.body) {
    clearTimeout(timer);
    return result;
  }
  const decoder = new TextDecoder();
  let buffer = '';
  let current: { event?: string; id?: string; data: string[] } = { data: [] };
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        if (line === '') {
          if (current.data.length || current.event) {
            const raw = current.data.join('\n');
            let data: unknown = raw;
            try {
              data = JSON.parse(raw);
            } catch {
              // plain text data
            }
            const e: SseEvent = { event: current.event ?? 'message', id: current.id, data };
            result.events.push(e);
            options.onEvent?.(e);
            if (options.leaveAfter?.(e)) controller.abort();
          }
          current = { data: [] };
        } else if (line.startsWith(':')) result.comments++;
        else {
          const i = line.indexOf(':');
          const field = i < 0 ? line : line.slice(0, i);
          const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
          if (field === 'event') current.event = value;
          else if (field === 'id') current.id = value;
          else if (field === 'data') current.data.push(value);
        }
      }
    }
    result.closedByServer = true;
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  } finally {
    clearTimeout(timer);
  }
  return result;
}
