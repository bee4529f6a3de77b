/**
 * Crash tests: `TEST_WEFT_CRASH_AT=<point>` makes the process SIGKILL itself at that point, so an
 * end-to-end test can leave exactly the state a crash there leaves (points: `after-execution-insert`
 * and `after-job-send` of the atomic enqueue, `after-wake-update` and `after-wake-send` of a
 * queued wake, `after-wake:<nodeId>` once a local wake of that node is committed).
 */
export function crashTestPoint(point: string): void {
  if (process.env.TEST_WEFT_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}
