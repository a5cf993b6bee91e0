import { Inject, Injectable } from '@nestjs/common';
import { FunctionRecord, subjects } from '@skiff/contracts';
import { FunctionRegistryCache } from '@skiff/nats';
import { FUNCTION_REGISTRY } from './registry.tokens';

type Waiter = () => void;

/** Lets a request wait until the local registry copy reflects a change the provider made. */
@Injectable()
export class RegistrySync {
  private readonly waiters = new Map<string, Set<Waiter>>();

  constructor(@Inject(FUNCTION_REGISTRY) private readonly registry: FunctionRegistryCache) {
    registry.onChange((change) => this.waiters.get(change.key)?.forEach((wake) => wake()));
  }

  /** The record the cache holds now (compare against it after the change). */
  current(namespace: string, name: string): FunctionRecord | undefined {
    return this.registry.get(namespace, name);
  }

  /** Resolves true once `done(record)` holds for the function, false after `timeoutMs`. */
  until(namespace: string, name: string, done: (record: FunctionRecord | undefined) => boolean, timeoutMs: number): Promise<boolean> {
    if (done(this.registry.get(namespace, name))) return Promise.resolve(true);
    const key = subjects.functionKey(namespace, name);
    return new Promise<boolean>((resolve) => {
      const set = this.waiters.get(key) ?? new Set<Waiter>();
      this.waiters.set(key, set);
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        set.delete(check);
        if (!set.size) this.waiters.delete(key);
        resolve(ok);
      };
      const check: Waiter = () => {
        if (done(this.registry.get(namespace, name))) finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      set.add(check);
    });
  }
}
