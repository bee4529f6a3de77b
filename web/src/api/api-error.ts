/** One problem of a 400: where (`body.nodes[0].config.x`) and what. */
export interface ProblemDetail {
  path: string;
  message: string;
}

/** An API refusal as the console shows it: a sentence, never raw JSON. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details: unknown = undefined,
  ) {
    super(message);
  }

  /** The `details` entries that name a path (validation problems). */
  get problems(): ProblemDetail[] {
    if (!Array.isArray(this.details)) return [];
    return this.details
      .filter((d): d is { path?: unknown; message?: unknown } => !!d && typeof d === 'object')
      .map((d) => ({ path: typeof d.path === 'string' ? d.path : '', message: String(d.message ?? '') }));
  }
}

const STATUS_TEXT: Record<number, string> = {
  401: 'Invalid API key',
  403: 'Your key is not allowed to do this',
  404: 'Not found',
  409: 'Conflict',
  413: 'Too large',
  429: 'Too many requests; try again shortly',
  500: 'The server failed',
  503: 'The server is unavailable',
};

/** Reads a failed response into an ApiError with a readable message. */
export async function apiErrorFrom(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON: a proxy page or an empty body; the status says enough
  }
  const err = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  const code = typeof err?.code === 'string' ? err.code : `HTTP_${res.status}`;
  const fallback = STATUS_TEXT[res.status] ?? `Request failed (${res.status})`;
  let message = typeof err?.message === 'string' && err.message ? capitalise(err.message) : fallback;
  if (res.status === 401) message = 'Invalid API key';
  if (res.status === 429) {
    const after = res.headers.get('retry-after');
    if (after) message = `${message} (retry in ${after} s)`;
  }
  return new ApiError(message, res.status, code, err?.details);
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
