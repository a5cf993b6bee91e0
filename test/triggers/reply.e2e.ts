import 'reflect-metadata';
import { MAX_TOPIC_REPLY_HOPS, subjects } from '@skiff/contracts';
import { basicAuthHeader, waitFor } from '@skiff/testing';
import { text } from '../async/harness';
import { settle, TriggerHarness } from './trigger-harness';

jest.setTimeout(180_000);

describe('com.skiff.topic.reply: a result published to a reply topic runs the next function (real NATS, queue-worker process)', () => {
  const h = new TriggerHarness();
  const calls = new Map<string, { body: string; headers: Record<string, string | string[]> }[]>();
  const of = (name: string) => calls.get(name) ?? [];

  /** Deploys a function served from this process that records its calls and answers `answer`. */
  const deploy = async (name: string, annotations: Record<string, string>, answer: (body: string) => { status: number; body: string }) => {
    calls.set(name, []);
    h.replica(name, (req) => {
      calls.get(name)!.push({ body: text(req.body), headers: req.headers });
      const a = answer(text(req.body));
      return { status: a.status, headers: { 'content-type': 'text/plain', 'x-answer-of': name }, body: Buffer.from(a.body) };
    });
    await h.deploy(name, annotations);
  };

  beforeAll(async () => {
    await h.connect();
    await deploy('step-a', { topic: 't1', 'com.skiff.topic.reply': 't2' }, (b) => ({ status: 200, body: `A(${b})` }));
    await deploy('step-b', { topic: 't2' }, (b) => ({ status: 200, body: `B(${b})` }));
    await deploy('fails', { topic: 't3', 'com.skiff.topic.reply': 't4', 'com.openfaas.retry.attempts': '1' }, () => ({
      status: 500,
      body: 'broken',
    }));
    await deploy('after-fail', { topic: 't4' }, (b) => ({ status: 200, body: b }));
    await deploy('loop', { topic: 'loop', 'com.skiff.topic.reply': 'loop' }, (b) => ({ status: 200, body: `${b}+` }));
    // Fits one NATS message as a response (1 MiB by default) but not with the room a reply keeps for headers.
    await deploy('big', { topic: 't5', 'com.skiff.topic.reply': 't6' }, () => ({ status: 200, body: 'x'.repeat(1_000_000) }));
    await deploy('after-big', { topic: 't6' }, (b) => ({ status: 200, body: b }));
    await h.startWorker();
  });

  afterAll(async () => {
    await h.close();
  });

  it('publish to t1 → A runs → B runs once with A’s output and the source headers', async () => {
    h.nc.publish(subjects.topic('t1'), Buffer.from('order-1'));
    await waitFor('B to run', () => of('step-b').length > 0, 30_000);
    await settle(3_000);
    expect(of('step-a').map((c) => c.body)).toEqual(['order-1']);
    expect(of('step-b').map((c) => c.body)).toEqual(['A(order-1)']);
    const a = of('step-a')[0].headers;
    const b = of('step-b')[0].headers;
    expect(b).toMatchObject({
      'x-topic': 't2',
      'x-connector': 'reply',
      'x-source-topic': 't1',
      'x-source-call-id': a['x-call-id'],
      'x-function-name': 'step-a.openfaas-fn',
      'x-function-status': '200',
      'x-topic-hops': '1',
      'x-answer-of': 'step-a',
      'content-type': 'text/plain',
    });
    expect(b['x-call-id']).not.toBe(a['x-call-id']);
  });

  it('a failed call publishes no reply', async () => {
    h.nc.publish(subjects.topic('t3'), Buffer.from('doomed'));
    await waitFor('the failing function to run', () => of('fails').length > 0, 30_000);
    await settle(3_000);
    expect(of('fails')).toHaveLength(1);
    expect(of('after-fail')).toEqual([]);
  });

  it('a result too large for one NATS message is not published, and the call still succeeds', async () => {
    h.nc.publish(subjects.topic('t5'), Buffer.from('make it big'));
    await waitFor(
      'the reply to be refused as too large',
      async () => {
        const metrics = await (await fetch(`${h.workerUrls[0]}/metrics`)).text();
        return /skiff_topic_replies_total\{[^}]*outcome="too_large"[^}]*\} 1\b/.test(metrics);
      },
      30_000,
    );
    await settle(3_000);
    expect(of('big')).toHaveLength(1);
    expect(of('after-big')).toEqual([]);
    const status = await fetch(`${h.workerUrls[0]}/metrics`).then((r) => r.text());
    expect(status).toMatch(/skiff_async_attempts_total\{[^}]*function_name="big\.openfaas-fn",outcome="succeeded"[^}]*\} 1\b/);
  });

  it(`a function replying to its own topic stops after ${MAX_TOPIC_REPLY_HOPS} replies`, async () => {
    h.nc.publish(subjects.topic('loop'), Buffer.from('x'));
    await waitFor('the loop to reach the hop limit', () => of('loop').length >= MAX_TOPIC_REPLY_HOPS + 1, 60_000);
    await settle(3_000);
    expect(of('loop').map((c) => c.body)).toEqual(Array.from({ length: MAX_TOPIC_REPLY_HOPS + 1 }, (_, i) => 'x' + '+'.repeat(i)));
    expect(of('loop').map((c) => c.headers['x-topic-hops'] ?? '0')).toEqual(
      Array.from({ length: MAX_TOPIC_REPLY_HOPS + 1 }, (_, i) => String(i)),
    );
  });
});

describe('com.skiff.topic.reply at deploy', () => {
  const h = new TriggerHarness();

  beforeAll(async () => {
    await h.connect();
    await h.startGateway();
  });

  afterAll(async () => {
    await h.close();
  });

  it('an invalid reply topic is refused with 400 and the reason', async () => {
    const res = await fetch(`${h.gatewayUrl}/system/functions`, {
      method: 'POST',
      headers: { ...basicAuthHeader(), 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'bad-reply', image: 'x', annotations: { 'com.skiff.topic.reply': 'a, b' } }),
    });
    expect({ status: res.status, text: await res.text() }).toMatchObject({
      status: 400,
      text: expect.stringMatching(/com\.skiff\.topic\.reply: topic "a, b" must be letters/),
    });
  });
});
