/** Small statistics helpers shared by the benchmarks. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** Runs `fn` `runs` times (after `warmup` runs) and returns each run's result. */
export async function repeat<T>(runs: number, fn: () => Promise<T>, warmup = 1): Promise<T[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: T[] = [];
  for (let i = 0; i < runs; i++) out.push(await fn());
  return out;
}

export function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

/** Prints one figure with its target and whether it is met. */
export function report(label: string, value: string, target?: string, ok?: boolean): void {
  const verdict = ok === undefined ? '' : ok ? '  [meets target]' : '  [misses target]';
  console.log(`  ${label.padEnd(58)} ${value}${target ? `   (target ${target})` : ''}${verdict}`);
}
