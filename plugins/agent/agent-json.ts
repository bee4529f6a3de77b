import { ErrorCodes, TransientError } from '../../core';

/** A ```json (or bare ```) fence around the whole reply, as chat models like to add. */
const FENCE = /^```[ \t]*(?:json|JSON)?[ \t]*\r?\n([\s\S]*?)\r?\n?```$/;

/**
 * Parses an agent's reply in `responseFormat: "json"` mode (a surrounding code fence is stripped).
 *
 * Invalid JSON is a `TransientError` with code `WF_AGENT_BAD_JSON`: asking the model again
 * usually fixes it, so the default `retryOn` (errors marked retryable) retries it. The message
 * and `details.position` give where parsing stopped; `details.excerpt` shows the text there.
 */
export function parseAgentJson(text: string, nodeId: string): unknown {
  const trimmed = text.trim();
  const fenced = FENCE.exec(trimmed);
  const body = fenced ? fenced[1]!.trim() : trimmed;
  try {
    return JSON.parse(body);
  } catch (err) {
    const reason = (err as Error).message;
    const m = /position (\d+)/.exec(reason);
    const position = m ? Number(m[1]) : body.length;
    const excerpt = body.slice(Math.max(0, position - 40), position + 40);
    throw new TransientError(`agent node "${nodeId}": the model's reply is not valid JSON (at position ${position}: ${reason})`, {
      code: ErrorCodes.WF_AGENT_BAD_JSON,
      details: { position, excerpt, length: body.length },
    });
  }
}
