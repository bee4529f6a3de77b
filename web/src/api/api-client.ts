import { ApiError, apiErrorFrom } from './api-error';
import type {
  ExecutionDocument,
  ExecutionSummary,
  Page,
  Role,
  ScheduleInfo,
  WorkflowDefinition,
  WorkflowRecord,
  WorkflowSummary,
} from './types';

const BASE = '/api/v1';

/**
 * The console's only way to the server: the public REST API on this origin. The key travels in
 * the Authorization header, never in a URL (query strings end up in access logs and history).
 */
export class ApiClient {
  constructor(
    private readonly key: string,
    /** Called on a 401 after sign-in (the key was revoked): the app signs out. */
    private readonly onUnauthorized: () => void = () => {},
  ) {}

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { Authorization: `Bearer ${this.key}`, Accept: 'application/json', ...extra };
  }

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    let res: Response;
    try {
      res = await fetch(BASE + path, {
        method,
        headers: this.headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiError('Cannot reach the weft server', 0, 'NETWORK');
    }
    if (!res.ok) {
      const error = await apiErrorFrom(res);
      if (res.status === 401) this.onUnauthorized();
      throw error;
    }
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  me(): Promise<{ role: Role; keyId: string }> {
    return this.request('GET', '/auth/me');
  }

  workflows(cursor?: string | null, limit = 50): Promise<Page<WorkflowSummary>> {
    return this.request('GET', `/workflows${query({ limit: String(limit), cursor: cursor ?? undefined })}`);
  }

  workflow(id: string): Promise<WorkflowRecord> {
    return this.request('GET', `/workflows/${enc(id)}`);
  }

  /** One saved version: what an execution pinned (still readable after the workflow is deleted). */
  workflowVersion(
    id: string,
    version: number,
    signal?: AbortSignal,
  ): Promise<{ id: string; version: number; definition: WorkflowDefinition }> {
    return this.request('GET', `/workflows/${enc(id)}/versions/${version}`, undefined, signal);
  }

  updateWorkflow(id: string, definition: WorkflowDefinition): Promise<{ id: string; version: number }> {
    return this.request('PUT', `/workflows/${enc(id)}`, definition);
  }

  schedule(id: string): Promise<ScheduleInfo> {
    return this.request('GET', `/workflows/${enc(id)}/schedule`);
  }

  execute(id: string, inputs: Record<string, unknown>): Promise<{ executionId: string; status: string }> {
    return this.request('POST', `/workflows/${enc(id)}/execute`, { inputs });
  }

  /** One workflow's executions (`workflowId`) or every workflow's. */
  executions(filters: ExecutionFilters, signal?: AbortSignal): Promise<Page<ExecutionSummary>> {
    const { workflowId, ...q } = filters;
    const path = workflowId ? `/workflows/${enc(workflowId)}/executions` : '/executions';
    // the per-workflow route has no trigger filter
    const params = workflowId ? { ...q, trigger: undefined } : q;
    return this.request('GET', path + query(params), undefined, signal);
  }

  execution(id: string, signal?: AbortSignal): Promise<ExecutionDocument> {
    return this.request('GET', `/executions/${enc(id)}`, undefined, signal);
  }

  cancel(id: string): Promise<unknown> {
    return this.request('POST', `/executions/${enc(id)}/cancel`, { reason: 'cancelled from the console' });
  }

  /** A new execution of a finished one, from its failed nodes or `fromNodes`, reusing what succeeded. */
  rerun(id: string, body: RerunRequest): Promise<{ executionId: string; status: string }> {
    return this.request('POST', `/executions/${enc(id)}/rerun`, body);
  }

  /** The executions that sub-workflow and map nodes of `id` started, oldest first. */
  children(id: string, cursor?: string | null, signal?: AbortSignal): Promise<Page<ExecutionSummary>> {
    return this.request('GET', `/executions/${enc(id)}/children${query({ limit: '100', cursor: cursor ?? undefined })}`, undefined, signal);
  }

  /** Wakes a `wait` node waiting for the signal `name`. */
  signal(id: string, name: string, payload: unknown): Promise<unknown> {
    return this.request('POST', `/executions/${enc(id)}/signals/${enc(name)}`, payload === undefined ? {} : { payload });
  }

  /** A node output stored apart (`{ $ref }`), read through its route. */
  nodeOutput(ref: string): Promise<unknown> {
    if (!ref.startsWith(`${BASE}/`)) throw new ApiError('Unexpected output reference', 0, 'BAD_REF');
    return this.request('GET', ref.slice(BASE.length));
  }
}

export interface RerunRequest {
  fromNodes?: string[];
  version?: 'pinned' | 'latest';
}

export interface ExecutionFilters {
  workflowId?: string;
  status?: string;
  trigger?: string;
  from?: string;
  to?: string;
  limit?: string;
  cursor?: string;
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
