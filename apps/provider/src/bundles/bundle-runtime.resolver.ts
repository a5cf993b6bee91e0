import { FunctionRecord, subjects } from '@skiff/contracts';
import { ReplicaRuntime, RuntimeResolver } from '../backend/local/replica-runtime';
import { BundleCache } from './bundle-cache.service';

/**
 * Images naming a stored bundle run from its unpacked directory with the template's watchdog
 * settings (mode, handler_module, fprocess); every other image goes to the next resolver.
 * The function's own envProcess wins over the template's fprocess, as in OpenFaaS.
 */
export class BundleRuntimeResolver implements RuntimeResolver {
  constructor(
    private readonly cache: BundleCache,
    private readonly next: RuntimeResolver,
  ) {}

  async resolve(spec: FunctionRecord['spec']): Promise<ReplicaRuntime> {
    const key = subjects.functionKey(spec.namespace, spec.service);
    const bundle = await this.cache.forFunction(key, spec.image);
    if (!bundle) return this.next.resolve(spec);
    return {
      fprocess: spec.envProcess || bundle.manifest.fprocess,
      cwd: bundle.dir,
      env: { ...bundle.manifest.environment },
      fingerprint: `bundle:${bundle.digest}`,
    };
  }
}
