import { Injectable } from '@nestjs/common';
import { FunctionRecord } from '@skiff/contracts/messages/function-record';
import { FunctionRegistryCache } from './function-registry';

type Waiter = () => void;

/**
 * Lets a request wait until the local registry copy reflects a change (the provider's writes, the
 * gateway's deploys), so a read right after a write answers with what was just written.
 */
@Injectable()
export class RegistrySync {
  private readonly waiters = new Map<string, Set<Waiter>>();

  constructor(private readonly registry: FunctionRegistryCache) {
    registry.onChange((change) => this.waiters.get(change.key)?.forEach((wake) => wake()));
  }

  /** The record the cache holds now (compare against it after the change). */
  current(namespace: string, name: string): FunctionRecord | undefined {
    return this.registry.get(namespace, name);
  }

  /** Resolves true once `done(record)` holds for the function, false after `timeoutMs`. */
  until(namespace: string, name: string, done: (record: FunctionRecord | undefined) => boolean, timeoutMs: number): Promise<boolean> {
    if (done(this.registry.get(namespace, name))) return Promise.resolve(true);
    const key = this.registry.keyOf(namespace, name);
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
      timer.unref();
      set.add(check);
    });
  }

  /** Resolves true once the cache holds exactly `expected` (undefined: deleted), false after `timeoutMs`. */
  holds(namespace: string, name: string, expected: FunctionRecord | undefined, timeoutMs: number): Promise<boolean> {
    const want = fingerprint(expected);
    return this.until(namespace, name, (record) => fingerprint(record) === want, timeoutMs);
  }
}

function fingerprint(record: FunctionRecord | undefined): string | undefined {
  return record === undefined ? undefined : JSON.stringify(record);
}
