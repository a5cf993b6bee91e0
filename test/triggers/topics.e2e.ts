import 'reflect-metadata';
import { headers as natsHeaders } from 'nats';
import { subjects } from '@skiff/contracts';
import { basicAuthHeader, waitFor } from '@skiff/testing';
import { text } from '../async/harness';
import { settle, TriggerHarness } from './trigger-harness';

jest.setTimeout(180_000);

describe('topics: NATS publish → topic router → one async call per subscribed function (real NATS, gateway and queue-worker processes)', () => {
  const h = new TriggerHarness();

  beforeAll(async () => {
    await h.connect();
    await h.deployRecorded('orders-a', { topic: 'orders' });
    await h.deployRecorded('orders-b', { topic: ' orders ' });
    await h.deployRecorded('orders-billing', { topic: 'orders, billing' });
    await h.deployRecorded('other', { topic: 'ordersx' });
    await h.startGateway();
    await h.startWorker();
  });

  afterAll(async () => {
    await h.close();
  });

  const bodies = (name: string) => h.of(name).map((r) => text(r.body));

  it('a plain NATS publish to orders invokes each of the three subscribers exactly once, with X-Topic, X-Connector, headers and body', async () => {
    const hdrs = natsHeaders();
    hdrs.set('X-Order-Source', 'shop');
    // Core NATS publish, exactly what `nats pub faas.topic.orders '{"id":1}'` sends.
    h.nc.publish(subjects.topic('orders'), Buffer.from('{"id":1}'), { headers: hdrs });
    await waitFor('three calls', () => ['orders-a', 'orders-b', 'orders-billing'].every((n) => bodies(n).includes('{"id":1}')), 30_000);
    await settle(3_000);
    for (const n of ['orders-a', 'orders-b', 'orders-billing']) expect(bodies(n).filter((b) => b === '{"id":1}')).toHaveLength(1);
    expect(bodies('other')).toEqual([]);
    const req = h.of('orders-a').find((r) => text(r.body) === '{"id":1}')!;
    expect(req.method).toBe('POST');
    expect(req.headers['x-topic']).toBe('orders');
    expect(req.headers['x-connector']).toBe('nats');
    expect(req.headers['x-order-source']).toBe('shop');
  });

  it('a publish to billing invokes only the function subscribed to orders,billing', async () => {
    h.nc.publish(subjects.topic('billing'), Buffer.from('bill-1'));
    await waitFor('the billing call', () => bodies('orders-billing').includes('bill-1'), 30_000);
    await settle(2_000);
    expect(bodies('orders-billing').filter((b) => b === 'bill-1')).toHaveLength(1);
    for (const n of ['orders-a', 'orders-b', 'other']) expect(bodies(n)).not.toContain('bill-1');
  });

  it('POST /system/topics/<topic> publishes through the gateway (auth required)', async () => {
    const anonymous = await fetch(`${h.gatewayUrl}/system/topics/billing`, { method: 'POST', body: 'x' });
    expect(anonymous.status).toBe(401);
    const bad = await fetch(`${h.gatewayUrl}/system/topics/bad%20topic`, { method: 'POST', body: 'x', headers: basicAuthHeader() });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/letters, digits/);
    const res = await fetch(`${h.gatewayUrl}/system/topics/billing`, {
      method: 'POST',
      body: 'via-gateway',
      headers: { ...basicAuthHeader(), 'content-type': 'application/json' },
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ topic: 'billing', messageId: expect.any(String) });
    await waitFor('the gateway-published call', () => bodies('orders-billing').includes('via-gateway'), 30_000);
    const req = h.of('orders-billing').find((r) => text(r.body) === 'via-gateway')!;
    expect(req.headers['x-connector']).toBe('gateway');
    expect(req.headers['content-type']).toBe('application/json');
  });

  it('a message for a topic nobody subscribes to is acknowledged, not retried', async () => {
    h.nc.publish(subjects.topic('nobody-listens'), Buffer.from('lost'));
    const jsm = await h.nc.jetstreamManager();
    await waitFor(
      'the router to ack it',
      async () => {
        const info = await jsm.consumers.info(subjects.topicStream, subjects.topicRouterConsumer);
        const stream = await jsm.streams.info(subjects.topicStream);
        return info.num_pending === 0 && info.num_ack_pending === 0 && stream.state.messages === 0 && info.delivered.stream_seq > 0;
      },
      30_000,
    );
  });

  it('follows deploys and deletes of subscribers', async () => {
    await h.deployRecorded('late', { topic: 'billing' });
    await settle(1_000);
    h.nc.publish(subjects.topic('billing'), Buffer.from('after-deploy'));
    await waitFor('the new subscriber', () => bodies('late').includes('after-deploy'), 30_000);
    await h.remove('late');
    await settle(1_000);
    h.nc.publish(subjects.topic('billing'), Buffer.from('after-delete'));
    await waitFor('the remaining subscriber', () => bodies('orders-billing').includes('after-delete'), 30_000);
    await settle(2_000);
    expect(bodies('late')).not.toContain('after-delete');
  });

  it('killing the queue-worker between publish and fan-out loses nothing and duplicates nothing', async () => {
    const worker = h.processes.find((p) => p.name === 'queue-worker')!;
    await worker.stop('SIGKILL');
    for (let i = 0; i < 5; i++) h.nc.publish(subjects.topic('orders'), Buffer.from(`while-down-${i}`));
    await h.nc.flush();
    await h.startWorker({}, 'queue-worker-2');
    for (const n of ['orders-a', 'orders-b', 'orders-billing']) {
      await waitFor(`${n} to get all five`, () => [0, 1, 2, 3, 4].every((i) => bodies(n).includes(`while-down-${i}`)), 60_000);
    }
    await settle(3_000);
    for (const n of ['orders-a', 'orders-b', 'orders-billing']) {
      for (let i = 0; i < 5; i++) expect(bodies(n).filter((b) => b === `while-down-${i}`)).toHaveLength(1);
    }
  });
});

describe('trigger annotations at deploy', () => {
  const h = new TriggerHarness();

  beforeAll(async () => {
    await h.connect();
    await h.startGateway();
  });

  afterAll(async () => {
    await h.close();
  });

  it('an invalid cron expression is refused with 400 and the reason', async () => {
    const res = await fetch(`${h.gatewayUrl}/system/functions`, {
      method: 'POST',
      headers: { ...basicAuthHeader(), 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'bad-cron', image: 'x', annotations: { topic: 'cron-function', schedule: '61 * * * *' } }),
    });
    expect({ status: res.status, text: await res.text() }).toMatchObject({
      status: 400,
      text: expect.stringMatching(/schedule "61 \* \* \* \*" is not a valid cron expression/),
    });
  });
});
