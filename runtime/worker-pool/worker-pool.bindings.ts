import { bind, type ServiceBinding } from '../../core/kernel/kernel';
import { Tokens } from '../../core/di/tokens';
import type { WorkerPool } from '../../core/services/worker-pool';
import type { WeftConfig } from '../config/weft-config';
import { PiscinaWorkerPool } from './piscina-worker-pool';

/** Binds {@link Tokens.WorkerPool} to a {@link PiscinaWorkerPool} of `workerPoolSize` threads, started on first use, destroyed at kernel stop. */
export function workerPoolBinding(config: WeftConfig): ServiceBinding<WorkerPool> {
  return bind(
    Tokens.WorkerPool,
    (r) => new PiscinaWorkerPool({ size: config.workerPoolSize, logger: r.get(Tokens.Logger).child({ component: 'worker-pool' }) }),
  );
}
