import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { FunctionRecord } from '@skiff/contracts';
import { RegistryChange } from '@skiff/nats';
import { FunctionBackend, ReplicaCounts } from '../backend/function-backend';
import { BackendReconciler, RETRY_DELAY_MS, RegistryView } from './backend-reconciler.service';

const rec = (name: string, replicas = 1, namespace = 'openfaas-fn'): FunctionRecord => ({
  spec: { service: name, image: 'any', namespace },
  replicas,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
});

class FakeRegistry implements RegistryView {
  readonly records = new Map<string, FunctionRecord>();
  private listeners: Array<(c: RegistryChange) => void> = [];
  watching = true;
  stopped = false;
  constructor(initial: FunctionRecord[] = []) {
    for (const r of initial) this.records.set(`${r.spec.namespace}.${r.spec.service}`, r);
  }
  get(namespace: string, name: string) {
    return this.records.get(`${namespace}.${name}`);
  }
  list() {
    return [...this.records.values()];
  }
  onChange(l: (c: RegistryChange) => void) {
    this.listeners.push(l);
  }
  stop() {
    this.stopped = true;
  }
  put(r: FunctionRecord) {
    const key = `${r.spec.namespace}.${r.spec.service}`;
    this.records.set(key, r);
    this.listeners.forEach((l) => l({ op: 'put', key, record: r }));
  }
  del(namespace: string, name: string) {
    const key = `${namespace}.${name}`;
    const record = this.records.get(key);
    this.records.delete(key);
    this.listeners.forEach((l) => l({ op: 'delete', key, record }));
  }
}

class FakeBackend implements FunctionBackend {
  readonly calls: string[] = [];
  failNext = 0;
  gate?: Promise<void>;
  async apply(record: FunctionRecord): Promise<void> {
    await this.gate;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('boom');
    }
    this.calls.push(`apply ${record.spec.service} ${record.replicas}`);
  }
  async remove(namespace: string, name: string): Promise<void> {
    this.calls.push(`remove ${namespace}.${name}`);
  }
  status(): ReplicaCounts {
    return { running: 0, available: 0 };
  }
  async stopAll(): Promise<void> {
    this.calls.push('stopAll');
  }
}

describe('BackendReconciler', () => {
  let registry: FakeRegistry;
  let backend: FakeBackend;
  let sut: BackendReconciler;

  const start = (initial: FunctionRecord[] = []) => {
    registry = new FakeRegistry(initial);
    backend = new FakeBackend();
    sut = new BackendReconciler(registry, backend);
    sut.onApplicationBootstrap();
  };

  beforeAll(() => Logger.overrideLogger(false));
  afterEach(() => jest.useRealTimers());

  describe('onApplicationBootstrap', () => {
    it('applies every registered function (a restarted provider serves them again)', async () => {
      start([rec('a', 2), rec('b', 1, 'team')]);
      await sut.settled();
      expect(backend.calls.sort()).toEqual(['apply a 2', 'apply b 1']);
    });
  });

  describe('registry changes', () => {
    it('applies puts and removes deletes', async () => {
      start();
      registry.put(rec('a', 1));
      await sut.settled();
      registry.put(rec('a', 3));
      await sut.settled();
      registry.del('openfaas-fn', 'a');
      await sut.settled();
      expect(backend.calls).toEqual(['apply a 1', 'apply a 3', 'remove openfaas-fn.a']);
    });

    it('coalesces changes that arrive while an apply runs into one pass with the latest record', async () => {
      start();
      let open!: () => void;
      backend.gate = new Promise((r) => (open = r));
      registry.put(rec('a', 1));
      registry.put(rec('a', 2));
      registry.put(rec('a', 3));
      registry.put(rec('a', 4));
      backend.gate = undefined;
      open();
      await sut.settled();
      expect(backend.calls).toEqual(['apply a 1', 'apply a 4']);
    });

    it('handles a delete that arrives while the deploy is still applying', async () => {
      start();
      let open!: () => void;
      backend.gate = new Promise((r) => (open = r));
      registry.put(rec('a', 1));
      registry.del('openfaas-fn', 'a');
      backend.gate = undefined;
      open();
      await sut.settled();
      expect(backend.calls).toEqual(['apply a 1', 'remove openfaas-fn.a']);
    });

    it('ignores deletes of functions it never saw', async () => {
      start();
      registry.del('openfaas-fn', 'ghost');
      await sut.settled();
      expect(backend.calls).toEqual([]);
    });

    it('retries a failed apply later', async () => {
      jest.useFakeTimers();
      start();
      backend.failNext = 1;
      registry.put(rec('a', 1));
      await sut.settled();
      expect(backend.calls).toEqual([]);
      jest.advanceTimersByTime(RETRY_DELAY_MS);
      await sut.settled();
      expect(backend.calls).toEqual(['apply a 1']);
    });
  });

  describe('beforeApplicationShutdown', () => {
    it('stops watching, waits for applies, stops every replica and ignores later changes', async () => {
      start([rec('a')]);
      await sut.beforeApplicationShutdown();
      registry.put(rec('b'));
      await sut.settled();
      expect(registry.stopped).toBe(true);
      expect(backend.calls).toEqual(['apply a 1', 'stopAll']);
    });
  });
});
