import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/api-client';

/** Workflow names by id, read once per tab (lists carry ids only). */
const names = new Map<string, string | Promise<string>>();

export function useWorkflowNames(api: ApiClient, ids: readonly string[]): Map<string, string> {
  const [, setTick] = useState(0);
  const key = [...new Set(ids)].sort().join(',');
  useEffect(() => {
    let live = true;
    for (const id of new Set(ids)) {
      if (names.has(id)) continue;
      const p = api.workflow(id).then(
        (w) => w.name,
        () => id, // deleted or unreadable: its id stands in
      );
      names.set(id, p);
      void p.then((name) => {
        names.set(id, name);
        if (live) setTick((t) => t + 1);
      });
    }
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, key]);
  const out = new Map<string, string>();
  for (const id of ids) {
    const n = names.get(id);
    if (typeof n === 'string') out.set(id, n);
  }
  return out;
}
