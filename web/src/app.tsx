import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { ApiClient } from './api/api-client';
import type { Role } from './api/types';
import { clearKey, loadKey, saveKey } from './auth/session';
import { SignInPage } from './auth/sign-in-page';
import { ErrorBanner } from './components/error-banner';
import { dropEarlyReads, readExecutionEarly } from './execution/execution-reads';
import { ExecutionsPage } from './pages/executions-page';
import { WorkflowPage } from './pages/workflow-page';
import { WorkflowsPage } from './pages/workflows-page';
import { Link, navigate, useLocation } from './router';
import { SessionContext, type Session } from './session-context';

// the graph libraries load only when an execution page opens: the first page stays small
const loadExecutionPage = () => import('./pages/execution-page');
const ExecutionPage = lazy(loadExecutionPage);
// opened on an execution page (a deep link, a reload): fetch its chunk and start its reads while
// the key is being checked, instead of one after the other
performance.mark('weft:boot');
const deepLink = /^\/ui\/executions\/([^/]+)\/?$/.exec(location.pathname);
if (deepLink) {
  void loadExecutionPage();
  const kept = loadKey();
  if (kept) readExecutionEarly(new ApiClient(kept), decodeURIComponent(deepLink[1]!));
}

export function App() {
  const [key, setKey] = useState<string | null>(() => loadKey());
  const [role, setRole] = useState<Role | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [bootError, setBootError] = useState<Error | null>(null);

  const signOut = useCallback((why: string | null = null) => {
    clearKey();
    dropEarlyReads();
    setKey(null);
    setRole(null);
    setNotice(why);
  }, []);
  const api = useMemo(() => (key ? new ApiClient(key, () => signOut('Invalid API key')) : null), [key, signOut]);

  // a key kept from earlier in this tab: ask the server which role it has (it may be revoked)
  useEffect(() => {
    if (!api || role) return;
    let live = true;
    api.me().then(
      (me) => {
        performance.mark('weft:role');
        if (live) setRole(me.role);
      },
      (err: Error) => live && setBootError(err),
    );
    return () => {
      live = false;
    };
  }, [api, role]);

  if (!key || !api) {
    return (
      <SignInPage
        notice={notice}
        onSignedIn={(k, r) => {
          saveKey(k);
          setKey(k);
          setRole(r);
          setNotice(null);
        }}
      />
    );
  }
  if (!role) return <main className="page">{bootError ? <ErrorBanner error={bootError} /> : <p className="muted">Loading…</p>}</main>;
  const session: Session = { api, role, canOperate: role !== 'viewer', canAdmin: role === 'admin' };
  return (
    <SessionContext.Provider value={session}>
      <Shell onSignOut={() => signOut()} role={role} />
    </SessionContext.Provider>
  );
}

function Shell({ onSignOut, role }: { onSignOut: () => void; role: Role }) {
  const { path } = useLocation();
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  useEffect(() => {
    if (path === '/') navigate('/executions', true);
  }, [path]);
  let page;
  if (parts[0] === 'workflows' && parts.length === 1) page = <WorkflowsPage />;
  else if (parts[0] === 'workflows' && parts.length === 2) page = <WorkflowPage id={parts[1]!} key={parts[1]} />;
  else if (parts[0] === 'executions' && parts.length === 1) page = <ExecutionsPage />;
  else if (parts[0] === 'executions' && parts.length === 2)
    page = (
      <Suspense fallback={<p className="muted page">Loading…</p>}>
        <ExecutionPage id={parts[1]!} key={parts[1]} />
      </Suspense>
    );
  else if (path === '/') page = null;
  else
    page = (
      <main className="page">
        <h1>Not found</h1>
        <p>No console page at {path}.</p>
      </main>
    );
  const section = parts[0] ?? 'executions';
  return (
    <>
      <header className="topbar">
        <Link to="/executions" className="logo">
          weft
        </Link>
        <nav aria-label="Sections">
          <Link to="/workflows" className={section === 'workflows' ? 'active' : ''}>
            Workflows
          </Link>
          <Link to="/executions" className={section === 'executions' ? 'active' : ''}>
            Executions
          </Link>
        </nav>
        <span className="spacer" />
        <span className="role-chip" data-testid="role">
          {role}
        </span>
        <button type="button" className="link-button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {page}
    </>
  );
}
