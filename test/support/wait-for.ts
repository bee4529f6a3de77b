/**
 * The one bounded poll the tests use to wait for an event, a record or a log line instead of
 * sleeping a fixed time. `probe` is asked every `intervalMs` until it returns a value other than
 * `undefined`, `null` or `false`; that value is returned. Past `timeoutMs` it throws naming `what`
 * and the last value seen, so a test that waits for something that never happens fails instead
 * of hanging.
 */
export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

export type Found<T> = Exclude<T, undefined | null | false>;

export async function waitFor<T>(probe: () => T | Promise<T>, what: string, options: WaitForOptions = {}): Promise<Found<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 10;
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (last !== undefined && last !== null && last !== false) return last as Found<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
