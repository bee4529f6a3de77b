import pc from 'picocolors';
import Table from 'cli-table3';
import type { ExecutionEvent } from '../../core/events/execution-event';
import type { ExecutionDocument } from '../../core/model/execution-document';

const STATUS_STYLE: Record<string, (s: string) => string> = {
  running: pc.cyan,
  retrying: pc.yellow,
  succeeded: pc.green,
  partially_succeeded: pc.yellow,
  failed: pc.red,
  skipped: pc.dim,
  cancelled: pc.magenta,
};

/** One line per node status change, as it happens. */
export function formatEvent(e: ExecutionEvent): string | null {
  if (e.kind === 'token') return null;
  const style = STATUS_STYLE[e.status] ?? ((s: string) => s);
  if (e.kind === 'execution') return `${pc.bold('execution')} ${style(e.status)}${e.error ? ` — ${e.error.message}` : ''}`;
  const label = e.status === 'running' ? 'start' : e.status;
  let line = `  ${style(label.padEnd(9))} ${e.nodeId}`;
  if (e.status === 'retrying') line += ` attempt ${e.attempt} failed (${e.error?.message ?? ''}); retrying in ${e.delayMs} ms`;
  else if (e.status === 'failed')
    line += ` after ${e.attempt} attempt(s): ${e.error?.type}: ${e.error?.message}${e.recoveredBy ? ` — recovered by ${e.recoveredBy}` : ''}`;
  else if (e.status === 'skipped') line += ` (${e.skipReason})`;
  else if (e.status === 'succeeded' && e.durationMs !== undefined) line += pc.dim(` ${e.durationMs} ms`);
  return line;
}

/** The summary table and outputs printed after a run. */
export function formatSummary(doc: ExecutionDocument): string {
  const table = new Table({ head: ['node', 'status', 'attempts', 'ms', 'note'], style: { head: [], border: [] } });
  for (const n of doc.nodes) {
    const note = n.recoveredBy
      ? `recovered by ${n.recoveredBy}`
      : (n.skipReason ?? n.error?.message ?? (n.fallbackFor ? `fallback for ${n.fallbackFor}` : ''));
    table.push([
      n.nodeId,
      (STATUS_STYLE[n.status] ?? String)(n.status),
      String(n.attempts),
      n.durationMs == null ? '' : String(n.durationMs),
      note.slice(0, 80),
    ]);
  }
  const status = (STATUS_STYLE[doc.status] ?? String)(doc.status);
  return [
    table.toString(),
    `${pc.bold('status')} ${status} in ${doc.durationMs ?? 0} ms  ${pc.dim(doc.id)}`,
    `${pc.bold('outputs')} ${JSON.stringify(doc.outputs, null, 2)}`,
  ].join('\n');
}
