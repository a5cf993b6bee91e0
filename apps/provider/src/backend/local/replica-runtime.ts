import { FunctionRecord } from '@skiff/contracts';

/** How one function's replicas run on this host, once its image has been resolved. */
export interface ReplicaRuntime {
  /** The process the watchdog runs (`fprocess`); undefined leaves it to envVars or the watchdog. */
  fprocess?: string;
  /** Working directory of the replica on the host (a bundle); undefined: an empty read-only one. */
  cwd?: string;
  /** Environment the runtime adds (below the function's envVars). */
  env: Record<string, string>;
  /** Changes whenever the replicas must be replaced (e.g. a rebuilt bundle's digest). */
  fingerprint: string;
}

/**
 * Turns a function's `image` into something runnable on this host. This is the seam for
 * bundles: a bundle resolver (object store → unpacked directory) will answer for the images it
 * knows and delegate every other image to the host runtime.
 */
export interface RuntimeResolver {
  resolve(spec: FunctionRecord['spec']): Promise<ReplicaRuntime>;
}

/** Injection token of the RuntimeResolver. */
export const RUNTIME_RESOLVER = 'RUNTIME_RESOLVER';

/**
 * The local backend's default: an image it does not know means "run envProcess on this host",
 * like the classic watchdog in front of any binary, in an empty working directory of its own (the
 * sandbox's /home/app), never in the provider's.
 */
export class HostRuntimeResolver implements RuntimeResolver {
  async resolve(spec: FunctionRecord['spec']): Promise<ReplicaRuntime> {
    return { fprocess: spec.envProcess, env: {}, fingerprint: `host:${spec.image}` };
  }
}
