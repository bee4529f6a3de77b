import { useState, type FormEvent } from 'react';
import { ApiClient } from '../api/api-client';
import { ApiError } from '../api/api-error';
import type { Role } from '../api/types';

/** One password input; Enter submits. The key is checked with `GET /auth/me` before it is kept. */
export function SignInPage({ onSignedIn, notice }: { onSignedIn: (key: string, role: Role) => void; notice?: string | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(notice ?? null);
  const [busy, setBusy] = useState(false);

  // never rejects (a failure is shown as this view's error), so the handler calls it with `void`
  async function submit(e: FormEvent) {
    e.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) return setError('Enter an API key');
    setBusy(true);
    setError(null);
    try {
      const me = await new ApiClient(trimmed).me();
      onSignedIn(trimmed, me.role);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'Invalid API key' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <form onSubmit={(e) => void submit(e)} className="card sign-in-card" aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">
          <span className="logo">weft</span> console
        </h1>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          autoFocus
          value={key}
          onChange={(e) => setKey(e.target.value)}
          placeholder="weft_…"
        />
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <p className="hint">
          Make a key with <code>npx weft keys create --role viewer</code>. It is kept for this tab only.
        </p>
      </form>
    </main>
  );
}
