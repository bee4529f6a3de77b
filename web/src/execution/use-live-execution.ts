import { useEffect, useRef, useState } from 'react';
import { readEventStream } from '../api/event-stream';
import { isTerminal, type ExecutionDocument, type ExecutionEvent, type NodeEvent, type NodeExecution } from '../api/types';
import { useSession } from '../session-context';

/**
 * The execution document, kept current from `GET /executions/:id/events`: a `snapshot` replaces
 * it, `node` and `execution` events patch it. Events are applied once per animation frame, so a
 * burst of thousands re-renders the page once. The first read may have started before the page
 * (`firstRead`). At the end the document is read again for the
 * outputs and attempt errors the events do not carry.
 */
export function useLiveExecution(id: string, firstRead?: Promise<ExecutionDocument>) {
  const { api } = useSession();
  const first = useRef(firstRead);
  const [doc, setDoc] = useState<ExecutionDocument | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [live, setLive] = useState(false);
  const refreshRef = useRef<() => void>(() => {});

  useEffect(() => {
    const ctrl = new AbortController();
    let current = null as ExecutionDocument | null;
    let index = new Map<string, number>();
    let queue: Array<NodeEvent | ExecutionEvent> = [];
    let frame = 0;
    let refetching = false;

    const publish = (d: ExecutionDocument) => {
      current = d;
      index = new Map(d.nodes.map((n, i) => [n.nodeId, i]));
      setDoc(d);
    };
    const refetch = async () => {
      if (refetching) return;
      refetching = true;
      try {
        publish(await api.execution(id, ctrl.signal));
      } catch (err) {
        if (!ctrl.signal.aborted) setError(err);
      } finally {
        refetching = false;
      }
    };
    refreshRef.current = () => void refetch();
    const flush = () => {
      frame = 0;
      if (!current || !queue.length) return;
      const events = queue;
      queue = [];
      const nodes = current.nodes.slice();
      let status = current.status;
      let execError = current.error;
      let finishedAt = current.finishedAt;
      for (const e of events) {
        if (e.kind === 'execution') {
          status = e.status;
          if (e.error) execError = e.error;
          if (isTerminal(e.status)) finishedAt = e.at;
          continue;
        }
        const i = index.get(e.nodeId);
        const before: NodeExecution =
          i === undefined
            ? {
                nodeId: e.nodeId,
                status: 'pending',
                attempts: 0,
                startedAt: null,
                finishedAt: null,
                error: null,
                recoveredBy: null,
                skipReason: null,
              }
            : nodes[i]!;
        const next = applyNodeEvent(before, e);
        if (i === undefined) {
          index.set(e.nodeId, nodes.length);
          nodes.push(next);
        } else nodes[i] = next;
      }
      publish({ ...current, status, error: execError, finishedAt, nodes });
      if (isTerminal(status)) void refetch();
    };

    // not awaited by the effect: every failure is caught inside and shown with setError
    void (async () => {
      try {
        const read = first.current ?? api.execution(id, ctrl.signal);
        first.current = undefined;
        const d = await read;
        performance.mark('weft:doc-end');
        if (ctrl.signal.aborted) return;
        publish(d);
      } catch (err) {
        if (!ctrl.signal.aborted) setError(err);
        return;
      }
      // reconnect while the execution runs: each connection starts with a fresh snapshot
      for (let attempt = 0; !ctrl.signal.aborted && current && !isTerminal(current.status); attempt++) {
        try {
          setLive(true);
          await readEventStream(
            `/api/v1/executions/${encodeURIComponent(id)}/events`,
            api.headers(),
            (m) => {
              if (m.event === 'snapshot') {
                queue = [];
                publish(m.data as ExecutionDocument);
              } else if (m.event === 'node' || m.event === 'execution') {
                queue.push(m.data as NodeEvent | ExecutionEvent);
                frame ||= requestAnimationFrame(flush);
              }
            },
            ctrl.signal,
          );
          attempt = 0;
        } catch (err) {
          if (ctrl.signal.aborted) return;
          if ((err as { status?: number }).status === 401 || (err as { status?: number }).status === 404) {
            setError(err);
            break;
          }
        } finally {
          setLive(false);
        }
        flush();
        if (current && !isTerminal(current.status)) await sleep(Math.min(5000, 500 * 2 ** attempt), ctrl.signal);
      }
      if (current && isTerminal(current.status)) await refetch();
    })();
    return () => {
      ctrl.abort();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [api, id]);

  return { doc, error, live, refresh: () => refreshRef.current() };
}

function applyNodeEvent(n: NodeExecution, e: NodeEvent): NodeExecution {
  const next: NodeExecution = { ...n, status: e.status, attempts: Math.max(n.attempts, e.attempt ?? 0) };
  if (e.status === 'running') {
    next.startedAt = n.startedAt ?? e.at;
    next.finishedAt = null;
  } else if (e.status === 'retrying') {
    if (e.error) next.attemptErrors = [...(n.attemptErrors ?? []), { ...e.error, attempt: e.attempt }];
  } else if (e.status !== 'pending' && e.status !== 'waiting') {
    next.finishedAt = e.at;
    if (e.durationMs !== undefined) next.durationMs = e.durationMs;
  }
  if (e.error !== undefined && e.status !== 'retrying') next.error = e.error;
  if (e.skipReason !== undefined) next.skipReason = e.skipReason;
  if (e.recoveredBy !== undefined) next.recoveredBy = e.recoveredBy;
  if (e.progress) next.progress = e.progress;
  return next;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}
