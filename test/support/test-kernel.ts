import { Kernel, type ServiceBinding } from '../../core/kernel/kernel';
import type { WeftPlugin } from '../../core/plugin/plugin';

export interface TestKernelOptions {
  plugins?: readonly WeftPlugin[];
  services?: readonly ServiceBinding<any>[];
  overrides?: readonly ServiceBinding<any>[];
}

/** Builds a kernel for a test; remember to `await kernel.stop()` (use {@link withKernel} when you can). */
export function startTestKernel(options: TestKernelOptions = {}): Kernel {
  return Kernel.create({ plugins: options.plugins ?? [], services: options.services, overrides: options.overrides });
}
