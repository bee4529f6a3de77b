import { useEffect, useState, type MouseEvent, type ReactNode } from 'react';

/** The console's base path (vite's `base`); pages are deep links under it. */
export const BASE = '/ui';

const listeners = new Set<() => void>();

/** Moves to a console path (`/executions/…`) without a reload. */
export function navigate(to: string, replace = false): void {
  const url = BASE + to;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const l of listeners) l();
}

/**
 * Replaces the current page's query (its filters) with a new history entry, so a reload keeps
 * them and Back returns to the previous ones.
 */
export function setQuery(params: URLSearchParams): void {
  const q = params.toString();
  const url = location.pathname + (q ? `?${q}` : '');
  if (url === location.pathname + location.search) return;
  history.pushState(null, '', url);
  for (const l of listeners) l();
}

/** The current console path and query, re-rendering on navigation and back/forward. */
export function useLocation(): { path: string; search: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const update = () => setTick((t) => t + 1);
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  const raw = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  return { path: raw.replace(/\/+$/, '') || '/', search: new URLSearchParams(location.search) };
}

/** A link that navigates in-app (modified clicks open a new tab as usual). */
export function Link({ to, children, className, title }: { to: string; children: ReactNode; className?: string; title?: string }) {
  function click(e: MouseEvent<HTMLAnchorElement>) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  }
  return (
    <a href={BASE + to} onClick={click} className={className} title={title}>
      {children}
    </a>
  );
}
