import 'reflect-metadata';
import { RetentionPolicy, StorageType } from 'nats';
import { subjects } from '@skiff/contracts';
import { rawHttp } from '@skiff/testing';
import { AsyncHarness } from '../async/harness';

jest.setTimeout(180_000);

const MIB = 1024 * 1024;

/**
 * Audit #9 (c): no JetStream quotas. The audit's probe: 12 anonymous 8 MiB async calls grew the body
 * store to 96 MiB (`max_bytes -1`), and nothing bounded a function's queue; a full JetStream would stop
 * registry, secrets and results writes for every platform on the server. No queue-worker runs here,
 * so every accepted call stays stored.
 */
describe("#9c a function's async queue has a cap: 429 with Retry-After, never a 202 for a call that was not stored", () => {
  const h = new AsyncHarness();

  beforeAll(async () => {
    await h.connect();
    await h.deploy('sink');
    await h.deploy('other');
    await h.startGateway({ SKIFF_ASYNC_QUEUE_MAX: '3' });
  });

  afterAll(() => h.close());

  it('accepts three calls, refuses the fourth with 429 and the reason, and keeps other functions open', async () => {
    for (let i = 0; i < 3; i++)
      expect((await h.submit('/async-function/sink', { body: `call ${i}`, headers: { 'X-Call-Id': `sink-${i}` } })).status).toBe(202);
    const refused = await h.submit('/async-function/sink', { body: 'one too many', headers: { 'X-Call-Id': 'sink-3' } });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.text()).toMatch(/queue of sink\.openfaas-fn is full/);
    expect(await h.status('sink-3')).toBeUndefined();
    const jsm = await h.nc.jetstreamManager();
    expect(
      (await jsm.streams.info(subjects.asyncStream, { subjects_filter: subjects.asyncCall('openfaas-fn', 'sink') })).state.subjects,
    ).toEqual({ [subjects.asyncCall('openfaas-fn', 'sink')]: 3 });
    expect((await h.submit('/async-function/other', { body: 'x' })).status).toBe(202);
  });
});

describe('#9c every stream, bucket and object store has max_bytes; a full one answers 507 with the reason', () => {
  const h = new AsyncHarness();
  const BODY_STORE_MAX = 20 * MIB;

  beforeAll(async () => {
    await h.connect();
    // A platform that ran before quotas existed: its streams have no limits. Starting must bring them to the limits.
    const jsm = await h.nc.jetstreamManager();
    await jsm.streams.add({
      name: subjects.asyncStream,
      subjects: [subjects.asyncCallAll],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
    });
    await h.nc.jetstream().views.os(subjects.asyncBodiesStore, { storage: StorageType.File });
    await h.deploy('big');
    await h.startGateway({ SKIFF_ASYNC_BODIES_MAX_BYTES: String(BODY_STORE_MAX) });
  });

  afterAll(() => h.close());

  it('gives the async streams, the results bucket and the body store max_bytes, also when they existed before', async () => {
    const jsm = await h.nc.jetstreamManager();
    for (const name of [
      subjects.asyncStream,
      subjects.asyncCallbackStream,
      subjects.asyncDeadLetterStream,
      `KV_${subjects.asyncResultsBucket}`,
      `KV_${subjects.functionsBucket}`,
      `OBJ_${subjects.asyncBodiesStore}`,
    ]) {
      const { config } = await jsm.streams.info(name);
      expect({ name, maxBytes: config.max_bytes > 0, discard: config.discard }).toEqual({ name, maxBytes: true, discard: 'new' });
    }
    expect((await jsm.streams.info(`OBJ_${subjects.asyncBodiesStore}`)).config.max_bytes).toBe(BODY_STORE_MAX);
    expect((await jsm.streams.info(subjects.asyncStream)).config).toMatchObject({
      discard_new_per_subject: true,
      max_msgs_per_subject: expect.any(Number),
    });
  });

  it('twelve anonymous 8 MiB calls cannot grow the body store beyond its max_bytes: the rest get 507, never 500', async () => {
    const port = Number(new URL(h.gatewayUrl).port);
    const body = Buffer.alloc(8 * MIB, 'a');
    const outcomes: string[] = [];
    for (let i = 0; i < 12; i++) {
      // The gateway streams the body into the store and may answer (and close) before it has read all of
      // it; a client still sending then sees the connection reset instead of the 507.
      const reply = await rawHttp(port, {
        method: 'POST',
        target: '/async-function/big',
        headers: { 'x-call-id': `big-${i}` },
        body,
      }).catch(() => undefined);
      if (!reply) outcomes.push('reset');
      else {
        outcomes.push(String(reply.status));
        if (reply.status !== 202) expect(reply.text).toMatch(/body store is full/);
      }
      if (outcomes[i] !== '202') expect(await h.status(`big-${i}`)).toBeUndefined();
    }
    expect(outcomes.filter((o) => o === '202')).toHaveLength(2);
    expect(outcomes.filter((o) => o !== '202' && o !== '507' && o !== 'reset')).toEqual([]);
    expect(outcomes).toContain('507');
    const jsm = await h.nc.jetstreamManager();
    expect((await jsm.streams.info(`OBJ_${subjects.asyncBodiesStore}`)).state.bytes).toBeLessThanOrEqual(BODY_STORE_MAX);
    // The gateway is fine: a small call still goes in.
    expect((await h.submit('/async-function/big', { body: 'small' })).status).toBe(202);
  });
});
