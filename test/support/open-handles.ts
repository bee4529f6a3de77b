import { createHook } from 'node:async_hooks';

/**
 * Mocha global teardown that fails the run when a test leaves a timer, socket, server or child
 * process behind. Mocha runs without `--exit`, so such a handle would otherwise keep the process
 * alive (or, with `--exit`, hide the leak entirely). Loaded by `.mocharc.json` `require`.
 *
 * Set WEFT_TRACE_HANDLES=1 to also print where each leaked resource was created (async_hooks
 * records every resource's creation stack, which is slow, so only when debugging).
 */

/** Counts of active resources by type, as `process.getActiveResourcesInfo()` names them. */
export type ResourceCounts = Map<string, number>;

export function countResources(types: readonly string[]): ResourceCounts {
  const counts: ResourceCounts = new Map();
  for (const t of types) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

/** The resources in `now` beyond those in `baseline` (e.g. stdio), as "Type ×n" strings. */
export function leakedResources(baseline: ResourceCounts, now: ResourceCounts): string[] {
  const leaked: string[] = [];
  for (const [type, n] of now) {
    const extra = n - (baseline.get(type) ?? 0);
    if (extra > 0) leaked.push(extra === 1 ? type : `${type} ×${extra}`);
  }
  return leaked.sort();
}

// Resources that are gone by the next turn (a pending fs callback, an immediate) are not leaks.
const TRANSIENT = new Set(['FSReqCallback', 'FSReqPromise', 'Immediate']);

function activeCounts(): ResourceCounts {
  return countResources(process.getActiveResourcesInfo().filter((t) => !TRANSIENT.has(t)));
}

// Touch stdio first so their handles are part of the baseline, not reported as leaks.
void process.stdout;
void process.stderr;
const baseline = activeCounts();

interface Traced {
  type: string;
  stack: string;
}
const traced = new Map<number, Traced>();
if (process.env.WEFT_TRACE_HANDLES === '1') {
  createHook({
    init(asyncId, type) {
      if (type === 'PROMISE' || TRANSIENT.has(type)) return;
      const frames = (new Error().stack ?? '')
        .split('\n')
        .slice(1)
        .filter((l) => !l.includes('node:internal/'));
      traced.set(asyncId, { type, stack: frames.join('\n') });
    },
    destroy(asyncId) {
      traced.delete(asyncId);
    },
  }).enable();
}

/** How long handles get to close after the last test (a socket's close is a few ticks). */
const GRACE_MS = Number(process.env.WEFT_HANDLES_GRACE_MS ?? 5_000);

export async function mochaGlobalTeardown(): Promise<void> {
  const end = Date.now() + GRACE_MS;
  let leaked = leakedResources(baseline, activeCounts());
  while (leaked.length > 0 && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    leaked = leakedResources(baseline, activeCounts());
  }
  if (leaked.length === 0) return;
  if (traced.size > 0) {
    console.error('open handles after the run (WEFT_TRACE_HANDLES=1), with where they were created:');
    for (const [id, t] of traced) console.error(`- ${t.type} #${id}\n${t.stack}\n`);
  }
  // The leaked handles would keep the process alive: end it once mocha has reported. The timer
  // is unref'd, so it only fires if something else is still holding the event loop.
  setTimeout(() => process.exit(), 2_000).unref();
  throw new Error(
    `tests left handles open after the run: ${leaked.join(', ')}` +
      (traced.size > 0 ? '' : ' (run with WEFT_TRACE_HANDLES=1 to print where they were created)'),
  );
}
