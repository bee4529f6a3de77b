/** A pool of worker threads for CPU-heavy work (piscina in runtime). */
export interface WorkerPool {
  /**
   * Runs export `name` of the worker module at absolute path `filename` with `payload`
   * (structured-cloned). Errors come back as weft errors.
   */
  run<T>(filename: string, name: string, payload: unknown, signal?: AbortSignal): Promise<T>;
  dispose(): Promise<void>;
}
