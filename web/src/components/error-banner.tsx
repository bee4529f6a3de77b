import { ApiError } from '../api/api-error';

/** An API error as a sentence, with validation problems listed at their paths. */
export function ErrorBanner({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const problems = error instanceof ApiError ? error.problems : [];
  return (
    <div className="error-banner" role="alert">
      <strong>{title ?? 'Something went wrong'}:</strong> {message}
      {problems.length > 0 && (
        <ul className="problems">
          {problems.map((p, i) => (
            <li key={i}>
              {p.path && <code className="problem-path">{p.path}</code>} {p.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
