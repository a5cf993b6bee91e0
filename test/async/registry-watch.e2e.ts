import 'reflect-metadata';
import { subjects } from '@skiff/contracts';
import { waitFor } from '@skiff/testing';
import { AsyncHarness, text } from './harness';

jest.setTimeout(180_000);

/**
 * Audit #20: a registry watch that stopped was only reported in /healthz; nothing restarted it, so the
 * gateway and the queue-worker never saw another deploy. Here the registry bucket is deleted under
 * them (the watch ends) and re-created by the next deploy.
 */
describe('a registry watch that ends is restarted (#20, gateway and queue-worker processes, real NATS)', () => {
  const h = new AsyncHarness();

  beforeAll(async () => {
    await h.connect();
    await h.deploy('before');
    await h.startGateway();
    await h.startWorker();
  });

  afterAll(() => h.close());

  it('serves a function deployed after the registry bucket was deleted and re-created', async () => {
    await (await h.nc.jetstreamManager()).streams.delete(`KV_${subjects.functionsBucket}`);
    // The next deploy re-creates the bucket, as the provider's next write would.
    await waitFor(
      'the watches to notice the bucket is gone',
      async () => {
        const res = await h.submit('/async-function/before', { body: 'x' });
        return res.status === 404;
      },
      90_000,
      500,
    );
    await h.deploy('after');
    h.replica('after', (req) => ({ status: 200, body: Buffer.from(`after:${text(req.body)}`) }));
    const res = await waitFor(
      'the gateway to know the new function',
      async () => {
        const r = await h.submit('/async-function/after', { body: 'hello', headers: { 'X-Call-Id': `after-${Date.now()}` } });
        return r.status === 202 ? r : undefined;
      },
      90_000,
      500,
    );
    const state = await h.waitState(res.headers.get('x-call-id')!, 'succeeded', 60_000);
    expect(state).toMatchObject({ body: 'after:hello' });
    for (const url of [h.gatewayUrl, ...h.workerUrls]) expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});
