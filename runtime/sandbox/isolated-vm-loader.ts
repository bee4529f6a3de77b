import type IsolatedVm from 'isolated-vm';
import { SandboxError } from '../../core/errors/weft-error';

/**
 * isolated-vm's builds, in the order they are tried. No single isolated-vm line covers Node 20
 * to 24 (5.x does not compile against Node 24's V8; 6.x needs Node 22), so package.json names
 * both as optional dependencies under aliases: npm skips `isolated-vm-6` on Node 20 (its
 * engines say >= 22) and drops `isolated-vm-5` where it fails to build (Node 24). On Node 22
 * both install; 6.x wins there, being the line that still gets fixes.
 */
export const ISOLATED_VM_BUILDS = ['isolated-vm-6', 'isolated-vm-5'] as const;

export type IsolatedVmModule = typeof IsolatedVm;

export interface LoadedIsolatedVm {
  /** The installed alias that loaded (`isolated-vm-6` or `isolated-vm-5`). */
  build: string;
  /** Its isolated-vm version. */
  version: string;
  ivm: IsolatedVmModule;
}

let loaded: LoadedIsolatedVm | undefined;

/**
 * The first isolated-vm build that loads on this Node, loaded once. Lazy, so a process that
 * never runs user code (`weft validate`, an API without code nodes) starts even without one;
 * the sandbox then fails with a message naming what was tried and why each failed.
 */
export function loadIsolatedVm(requireFn: NodeJS.Require = require): LoadedIsolatedVm {
  if (loaded && requireFn === require) return loaded;
  const failures: string[] = [];
  for (const build of ISOLATED_VM_BUILDS) {
    try {
      const ivm = requireFn(build) as IsolatedVmModule;
      const { version } = requireFn(`${build}/package.json`) as { version: string };
      const found = { build, version, ivm };
      if (requireFn === require) loaded = found;
      return found;
    } catch (err) {
      failures.push(`${build}: ${firstLine(err)}`);
    }
  }
  throw new SandboxError(
    `no isolated-vm build loads on Node ${process.versions.node} (tried ${failures.join('; ')}); ` +
      'run `npm install` (or `npm rebuild`) with this Node version',
  );
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!;
}
