import { FunctionRecord } from '@skiff/contracts';
import { FunctionRegistryCache } from '@skiff/nats';

interface Waiter {
  expected: string | undefined;
  resolve: (caughtUp: boolean) => void;
}

function fingerprint(record: FunctionRecord | undefined): string | undefined {
  return record === undefined ? undefined : JSON.stringify(record);
}

/**
 * Lets a write wait until the registry cache (and so the reconciler and every read) has seen it,
 * so a `get` right after a `deploy` answers with what was just written.
 */
export class RegistrySync {
  private readonly waiters = new Map<string, Waiter[]>();

  constructor(private readonly cache: FunctionRegistryCache) {
    cache.onChange((change) => this.settle(change.key, change.op === 'put' ? change.record : undefined));
  }

  /** Resolves true once the cache holds `expected` under `key` (undefined = deleted), false after `timeoutMs`. */
  caughtUp(namespace: string, name: string, key: string, expected: FunctionRecord | undefined, timeoutMs: number): Promise<boolean> {
    const want = fingerprint(expected);
    if (fingerprint(this.cache.get(namespace, name)) === want) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        expected: want,
        resolve: (ok) => {
          clearTimeout(timer);
          resolve(ok);
        },
      };
      const timer = setTimeout(() => {
        this.drop(key, waiter);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      this.waiters.set(key, [...(this.waiters.get(key) ?? []), waiter]);
    });
  }

  private settle(key: string, record: FunctionRecord | undefined): void {
    const list = this.waiters.get(key);
    if (!list) return;
    const current = fingerprint(record);
    const done = list.filter((w) => w.expected === current);
    for (const w of done) {
      this.drop(key, w);
      w.resolve(true);
    }
  }

  private drop(key: string, waiter: Waiter): void {
    const rest = (this.waiters.get(key) ?? []).filter((w) => w !== waiter);
    if (rest.length) this.waiters.set(key, rest);
    else this.waiters.delete(key);
  }
}
