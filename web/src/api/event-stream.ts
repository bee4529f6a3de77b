import { createParser } from 'eventsource-parser';
import { apiErrorFrom } from './api-error';

export interface StreamMessage {
  event: string;
  data: unknown;
}

/**
 * Reads `GET /executions/:id/events` with fetch and a stream parser rather than EventSource,
 * which cannot send headers and would put the key in the URL. Resolves when the server ends the
 * stream (after the final event), rejects on an HTTP error or a dropped connection.
 */
export async function readEventStream(
  url: string,
  headers: Record<string, string>,
  onMessage: (m: StreamMessage) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await fetch(url, { headers: { ...headers, Accept: 'text/event-stream' }, signal, cache: 'no-store', credentials: 'omit' });
  if (!res.ok) throw await apiErrorFrom(res);
  if (!res.body) return;
  const parser = createParser({
    onEvent(e) {
      try {
        onMessage({ event: e.event ?? 'message', data: JSON.parse(e.data) });
      } catch {
        // a malformed event is dropped; the next snapshot corrects the picture
      }
    },
  });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    parser.feed(value);
  }
}
