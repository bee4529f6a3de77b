import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventBus, ExecutionEvent } from '../../core/index';

/** What the metrics read from the running process. */
export interface MetricsSources {
  events: EventBus;
  /** Executions running in this process (`executor.activeCount`). */
  activeExecutions(): number;
}

/**
 * The Prometheus metrics of one app: a registry per instance (several apps in one process, as in
 * tests, never share or clash), fed by the event bus and the HTTP middleware.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly executions: Counter<'status'>;
  private readonly nodeDuration: Histogram<'status'>;
  private readonly nodeDurations = new Map<string, { observe(value: number): void }>();
  private readonly http: Histogram<'method' | 'route' | 'status'>;
  private readonly unsubscribe: () => void;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.executions = new Counter({
      name: 'weft_executions_total',
      help: 'Execution status changes by status (running = started; terminal statuses = finished)',
      labelNames: ['status'],
      registers,
    });
    this.nodeDuration = new Histogram({
      name: 'weft_node_duration_seconds',
      help: 'Duration of finished node executions',
      labelNames: ['status'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
      registers,
    });
    new Gauge({
      name: 'weft_running_executions',
      help: 'Executions running in this process',
      registers,
      collect() {
        this.set(sources.activeExecutions());
      },
    });
    this.http = new Histogram({
      name: 'weft_http_request_duration_seconds',
      help: 'HTTP request latency by method, matched route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.unsubscribe = sources.events.subscribe((e) => this.onEvent(e));
  }

  /** Records one HTTP request (`route` is the matched route pattern, never the raw path). */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.http.observe({ method, route, status: String(status) }, seconds);
  }

  /** The text exposition. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  close(): void {
    this.unsubscribe();
  }

  /** The histogram child of a status, looked up once: every finished node lands here, and a labelled observe hashes its labels each time. */
  private nodeDurationOf(status: string): { observe(value: number): void } {
    let child = this.nodeDurations.get(status);
    if (!child) this.nodeDurations.set(status, (child = this.nodeDuration.labels({ status })));
    return child;
  }

  private onEvent(e: ExecutionEvent): void {
    if (e.kind === 'execution') this.executions.inc({ status: e.status });
    else if (e.kind === 'node' && e.durationMs !== undefined && isFinishedNode(e.status)) {
      this.nodeDurationOf(e.status).observe(e.durationMs / 1000);
    }
  }
}

function isFinishedNode(status: string): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}
