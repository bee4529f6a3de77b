import { bind, type ServiceBinding } from '../../core/kernel/kernel';
import { Tokens } from '../../core/di/tokens';
import type { Sandbox } from '../../core/services/sandbox';
import type { WeftConfig } from '../config/weft-config';
import { IsolatedVmSandbox } from './isolated-vm-sandbox';

/** Binds {@link Tokens.Sandbox} to an {@link IsolatedVmSandbox} with the configured limits and pool size (disposed at kernel stop). */
export function sandboxBinding(config: WeftConfig): ServiceBinding<Sandbox> {
  return bind(Tokens.Sandbox, (r) => {
    return new IsolatedVmSandbox({
      defaults: {
        cpuMs: config.sandboxCpuMs,
        wallMs: config.sandboxWallMs,
        memoryMb: config.sandboxMemoryMb,
        outputBytes: config.sandboxOutputBytes,
      },
      poolSize: config.sandboxPoolSize,
      logger: r.get(Tokens.Logger).child({ component: 'sandbox' }),
    });
  });
}
