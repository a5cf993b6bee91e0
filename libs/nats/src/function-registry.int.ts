import { connect, NatsConnection } from 'nats';
import { FunctionRecord, subjects } from '@skiff/contracts';
import { testNatsOptions, waitFor } from '@skiff/testing';
import { encodeFunctionRecord, FunctionRegistryCache, openFunctionsBucket } from './function-registry';

/** Audit #20: a registry watch that stopped was only reported, never restarted, so every cache went stale. */
describe('FunctionRegistryCache (real JetStream)', () => {
  let nc: NatsConnection;
  let cache: FunctionRegistryCache;

  const record = (name: string): FunctionRecord => {
    const now = new Date().toISOString();
    return { spec: { service: name, image: 'test', namespace: 'openfaas-fn' }, replicas: 1, createdAt: now, updatedAt: now };
  };
  const put = async (name: string) =>
    (await openFunctionsBucket(nc, subjects)).put(subjects.functionKey('openfaas-fn', name), encodeFunctionRecord(record(name)));

  beforeAll(async () => {
    nc = await connect(testNatsOptions());
    await put('before');
    cache = await FunctionRegistryCache.start(nc, subjects, { restartMinMs: 100, restartMaxMs: 1_000, verifyIntervalMs: 500 });
  });

  afterAll(async () => {
    cache.stop();
    await (await nc.jetstreamManager()).streams.delete(`KV_${subjects.functionsBucket}`).catch(() => undefined);
    await nc.close();
  });

  it('restarts a watch that ended (bucket deleted and re-created) and catches up with what changed meanwhile', async () => {
    expect(cache.get('openfaas-fn', 'before')).toBeDefined();
    const changes: string[] = [];
    cache.onChange((c) => changes.push(`${c.op} ${c.key}`));
    await (await nc.jetstreamManager()).streams.delete(`KV_${subjects.functionsBucket}`);
    await waitFor('the watch to notice', () => !cache.watching, 30_000, 50);
    await put('after');
    await waitFor('the restarted watch to see the new function', () => cache.get('openfaas-fn', 'after'), 30_000, 100);
    expect(cache.watching).toBe(true);
    // The record that vanished with the bucket is gone from the cache too, and listeners heard it.
    expect(cache.get('openfaas-fn', 'before')).toBeUndefined();
    expect(changes).toEqual(expect.arrayContaining(['delete openfaas-fn.before', 'put openfaas-fn.after']));
  });

  it('also when the bucket is re-created at once, before the watch could notice it was gone', async () => {
    const changes: string[] = [];
    cache.onChange((c) => changes.push(`${c.op} ${c.key}`));
    await (await nc.jetstreamManager()).streams.delete(`KV_${subjects.functionsBucket}`);
    await put('fresh');
    await waitFor(
      'the cache to follow the new bucket',
      () => cache.get('openfaas-fn', 'fresh') && !cache.get('openfaas-fn', 'after'),
      30_000,
      100,
    );
    expect(changes).toEqual(expect.arrayContaining(['delete openfaas-fn.after', 'put openfaas-fn.fresh']));
    expect(cache.watching).toBe(true);
  });
});
