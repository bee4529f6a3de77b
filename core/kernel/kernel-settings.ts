/** Settings the kernel reads (parsed once by the composition root). */
export interface KernelSettings {
  /** Largest serialised node output accepted, in bytes. */
  maxOutputBytes: number;
  /** Default `maxParallel` when a workflow sets none. */
  defaultMaxParallel: number;
  /** Numeric aggregations over more values than this run in the worker pool (config `aggregateWorkerThreshold`; 10,000 when unset). */
  aggregateWorkerThreshold?: number;
  /** Most items a `map` node accepts (config `mapMaxItems`, `WEFT_MAP_MAX_ITEMS`; 100,000 when unset). */
  mapMaxItems?: number;
  /** Operator ceilings on a node's sandbox `limits` (a `limits` field above one fails validation); defaults in the kernel. */
  sandboxCeilings?: SandboxCeilings;
}

/** The most a node's `limits` may ask for (`WEFT_SANDBOX_MAX_*`). */
export interface SandboxCeilings {
  cpuMs: number;
  wallMs: number;
  memoryMb: number;
  outputBytes: number;
}
