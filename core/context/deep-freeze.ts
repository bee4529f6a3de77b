/** Freezes a value and everything reachable from it (iteratively: deep data must not overflow the stack). */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  const stack: object[] = [value];
  while (stack.length) {
    const o = stack.pop()!;
    if (Object.isFrozen(o)) continue;
    Object.freeze(o);
    if (Array.isArray(o)) {
      // by index: Object.keys of a 10-million-item array would make 10 million strings
      for (let i = 0; i < o.length; i++) {
        const v: unknown = o[i];
        if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) stack.push(v);
      }
      continue;
    }
    for (const k of Object.keys(o)) {
      const v = (o as Record<string, unknown>)[k];
      if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) stack.push(v);
    }
  }
  return value;
}
