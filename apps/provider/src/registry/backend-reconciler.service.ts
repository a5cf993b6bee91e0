import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { FunctionRecord, FunctionRefLike, subjects } from '@skiff/contracts';
import { FunctionRegistryCache, RegistryChange } from '@skiff/nats';
import { HealthService } from '@skiff/observability';
import { FUNCTION_BACKEND, FunctionBackend } from '../backend/function-backend';

/** Delay before retrying a function whose apply failed. */
export const RETRY_DELAY_MS = 5_000;

/** The part of FunctionRegistryCache the reconciler reads. */
export type RegistryView = Pick<FunctionRegistryCache, 'get' | 'list' | 'onChange' | 'stop' | 'watching'>;

/**
 * Drives the backend from the registry: at start every registered function is applied (so a
 * restarted provider serves everything again without a redeploy), then every change is.
 * Work is per function and coalesced: while one apply runs, later changes collapse into one
 * more pass with whatever the registry holds then. Failed applies are retried.
 */
@Injectable()
export class BackendReconciler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(BackendReconciler.name);
  private readonly known = new Map<string, FunctionRefLike>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private stopping = false;

  constructor(
    @Inject(FunctionRegistryCache) private readonly cache: RegistryView,
    @Inject(FUNCTION_BACKEND) private readonly backend: FunctionBackend,
    @Optional() health?: HealthService,
  ) {
    health?.register('registry', () => (this.cache.watching || this.stopping ? undefined : 'registry watch stopped'));
  }

  onApplicationBootstrap(): void {
    this.cache.onChange((change) => this.changed(change));
    for (const record of this.cache.list()) this.track(record);
    this.logger.log({ msg: 'reconciling registered functions', functions: this.known.size });
    if (this.backend.adopt) {
      this.backend
        .adopt(new Set(this.known.keys()))
        .catch((err: Error) =>
          this.logger.error({ msg: 'could not remove what the backend runs for unregistered functions', err: err.message }),
        );
    }
    for (const key of this.known.keys()) this.schedule(key);
  }

  /** Stops reacting to the registry, then stops every replica. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    this.cache.stop();
    await Promise.allSettled(this.running.values());
    await this.backend.stopAll();
  }

  /** Resolves when no apply is in flight (tests). */
  async settled(): Promise<void> {
    while (this.running.size) await Promise.allSettled(this.running.values());
  }

  private changed(change: RegistryChange): void {
    if (change.record) this.track(change.record);
    if (this.known.has(change.key)) this.schedule(change.key);
  }

  private track(record: FunctionRecord): void {
    const ref = { name: record.spec.service, namespace: record.spec.namespace };
    this.known.set(subjects.functionKey(ref.namespace, ref.name), ref);
  }

  private schedule(key: string): void {
    if (this.stopping) return;
    clearTimeout(this.retries.get(key));
    this.retries.delete(key);
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    const run = this.pass(key).finally(() => {
      this.running.delete(key);
      if (this.dirty.delete(key)) this.schedule(key);
    });
    this.running.set(key, run);
  }

  private async pass(key: string): Promise<void> {
    const ref = this.known.get(key);
    if (!ref) return;
    const record = this.cache.get(ref.namespace, ref.name);
    try {
      if (record) await this.backend.apply(record);
      else {
        this.known.delete(key);
        await this.backend.remove(ref.namespace, ref.name);
      }
    } catch (err) {
      this.logger.error({
        msg: `backend failed to ${record ? 'apply' : 'remove'} the function; retrying in ${RETRY_DELAY_MS} ms`,
        function: key,
        err,
      });
      if (!record) this.known.set(key, ref);
      if (this.stopping) return;
      const timer = setTimeout(() => this.schedule(key), RETRY_DELAY_MS);
      timer.unref();
      this.retries.set(key, timer);
    }
  }
}
