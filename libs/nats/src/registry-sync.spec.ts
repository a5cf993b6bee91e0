import 'reflect-metadata';
import { FunctionRecord, subjects } from '@skiff/contracts';
import type { FunctionRegistryCache, RegistryChange } from './function-registry';
import { RegistrySync } from './registry-sync';

/** A stand-in for the KV-backed cache: a map plus change listeners. */
class FakeRegistry {
  readonly records = new Map<string, FunctionRecord>();
  private listener?: (change: RegistryChange) => void;
  get(namespace: string, name: string): FunctionRecord | undefined {
    return this.records.get(this.keyOf(namespace, name));
  }
  keyOf(namespace: string, name: string): string {
    return subjects.functionKey(namespace, name);
  }
  onChange(listener: (change: RegistryChange) => void): void {
    this.listener = listener;
  }
  put(namespace: string, name: string, value?: FunctionRecord): FunctionRecord {
    const key = subjects.functionKey(namespace, name);
    const record =
      value ?? ({ spec: { service: name, image: 'x', namespace }, replicas: 1, createdAt: '', updatedAt: '' } as FunctionRecord);
    this.records.set(key, record);
    this.listener?.({ op: 'put', key, record });
    return record;
  }
  delete(namespace: string, name: string): void {
    const key = subjects.functionKey(namespace, name);
    this.records.delete(key);
    this.listener?.({ op: 'delete', key });
  }
}

describe(RegistrySync.name, () => {
  let registry: FakeRegistry;
  let sut: RegistrySync;

  beforeEach(() => {
    registry = new FakeRegistry();
    sut = new RegistrySync(registry as unknown as FunctionRegistryCache);
  });

  describe('until', () => {
    it('resolves at once when the condition already holds', async () => {
      registry.put('ns', 'fn');
      await expect(sut.until('ns', 'fn', (r) => r !== undefined, 1000)).resolves.toBe(true);
    });

    it('resolves when a later change makes the condition hold', async () => {
      const before = registry.put('ns', 'fn');
      const waiting = sut.until('ns', 'fn', (r) => r !== undefined && r !== before, 5000);
      registry.put('ns', 'other');
      registry.put('ns', 'fn');
      await expect(waiting).resolves.toBe(true);
    });

    it('sees deletions', async () => {
      registry.put('ns', 'fn');
      const waiting = sut.until('ns', 'fn', (r) => r === undefined, 5000);
      registry.delete('ns', 'fn');
      await expect(waiting).resolves.toBe(true);
    });

    it('gives up with false after the timeout', async () => {
      await expect(sut.until('ns', 'never', (r) => r !== undefined, 20)).resolves.toBe(false);
    });
  });

  describe('holds', () => {
    it('waits for exactly the record written (the provider after a write), or for its deletion', async () => {
      const written = { ...registry.put('ns', 'fn'), replicas: 3 };
      let settled = false;
      const waiting = sut.holds('ns', 'fn', written, 5000).finally(() => (settled = true));
      registry.put('ns', 'fn'); // another value than the one written
      await Promise.resolve();
      expect(settled).toBe(false);
      registry.put('ns', 'fn', written);
      await expect(waiting).resolves.toBe(true);
      const gone = sut.holds('ns', 'fn', undefined, 5000);
      registry.delete('ns', 'fn');
      await expect(gone).resolves.toBe(true);
    });
  });
});
