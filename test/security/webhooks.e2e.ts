import 'reflect-metadata';
import { createHmac } from 'node:crypto';
import { subjects } from '@skiff/contracts';
import { basicAuthHeader, waitFor } from '@skiff/testing';
import { text } from '../async/harness';
import { settle, TriggerHarness } from '../triggers/trigger-harness';

jest.setTimeout(180_000);

/**
 * Audit #10: the webhook connector failed open. A topic without a `webhook-<topic>` secret took
 * unsigned posts, `POST /webhook/cron-function` ran every cron function at once, a signed body could be
 * replayed under a new delivery id, and provenance headers (`X-Topic-Hops`, `X-Source-Call-Id`) passed
 * through. Every webhook here is an anonymous HTTP request; the NATS publish is a plain client.
 */
describe('#10 webhooks fail closed', () => {
  const h = new TriggerHarness();
  const secret = 'gh-secret';
  let url = '';

  beforeAll(async () => {
    await h.connect();
    await h.deployRecorded('yearly', { topic: 'cron-function', schedule: '0 0 1 1 *' });
    await h.deployRecorded('on-orders', { topic: 'orders' });
    await h.deployRecorded('on-closed', { topic: 'closed' });
    await h.deployRecorded('on-github', { topic: 'github' });
    await h.startProvider();
    await h.startGateway();
    const created = await fetch(`${h.gatewayUrl}/system/secrets`, {
      method: 'POST',
      headers: { ...basicAuthHeader(), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'webhook-github', value: secret }),
    });
    expect(created.status).toBe(202);
    await h.startWorker();
    // The operator opened one topic for unsigned posts.
    url = (await h.startApp('connector-webhook', 'SKIFF_WEBHOOK_PORT', { SKIFF_WEBHOOK_UNSIGNED_TOPICS: 'orders' })).url;
  });

  afterAll(() => h.close());

  const post = (topic: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/webhook/${topic}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const bodies = (name: string) => h.of(name).map((r) => text(r.body));
  const hmac = (data: string) => createHmac('sha256', secret).update(data).digest('hex');
  const stamped = (body: string, t = Math.floor(Date.now() / 1000)) => `t=${t},v1=${hmac(`${t}.${body}`)}`;

  it('refuses unsigned posts to a topic that has no secret and was not opened (403 with the reason)', async () => {
    const res = await post('closed', '{"unsigned":true}');
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/webhook-closed.*SKIFF_WEBHOOK_UNSIGNED_TOPICS/);
    // The opened topic still works.
    expect((await post('orders', '{"order":1}')).status).toBe(202);
    await waitFor('the opened topic call', () => bodies('on-orders').includes('{"order":1}'), 30_000);
    expect(bodies('on-closed')).toEqual([]);
  });

  it("refuses cron-function from outside: webhook 403, the gateway's topic API 403, a NATS publish is not routed", async () => {
    const hook = await post('cron-function', '{"run":"now"}');
    expect(hook.status).toBe(403);
    expect(await hook.text()).toMatch(/reserved/);
    const api = await fetch(`${h.gatewayUrl}/system/topics/cron-function`, { method: 'POST', headers: basicAuthHeader(), body: 'now' });
    expect(api.status).toBe(403);
    h.nc.publish(subjects.topic('cron-function'), 'from-nats');
    await h.nc.flush();
    // A message published after it is routed, so the router has seen the cron one by then.
    h.nc.publish(subjects.topic('orders'), 'after-cron');
    await waitFor('the later topic call', () => bodies('on-orders').includes('after-cron'), 30_000);
    await settle(1_000);
    expect(h.of('yearly')).toEqual([]);
  });

  it('strips the provenance headers the platform sets from outside requests', async () => {
    const forged = {
      'x-topic-hops': '9',
      'x-source-call-id': 'forged-call',
      'x-source-topic': 'forged-topic',
      'x-function-name': 'admin-fn',
      'x-function-status': '200',
      'x-connector': 'cron',
      'x-message-id': 'forged-message',
      'x-scheduled-time': '2030-01-01T00:00:00Z',
      'x-call-id': 'forged-id',
      'x-callback-url': 'http://169.254.169.254/',
      'x-github-event': 'push',
    };
    expect((await post('orders', '{"order":"forged"}', forged)).status).toBe(202);
    const req = await waitFor('the forged call', () => h.of('on-orders').find((r) => text(r.body) === '{"order":"forged"}'), 30_000);
    expect(req.headers['x-connector']).toBe('webhook');
    expect(req.headers['x-github-event']).toBe('push');
    for (const name of [
      'x-topic-hops',
      'x-source-call-id',
      'x-source-topic',
      'x-function-name',
      'x-function-status',
      'x-scheduled-time',
      'x-callback-url',
    ]) {
      expect({ name, value: req.headers[name] }).toEqual({ name, value: undefined });
    }
    expect(req.headers['x-message-id']).not.toBe('forged-message');
    expect(req.headers['x-call-id']).not.toBe('forged-id');
  });

  it('accepts a timestamped signature (X-Skiff-Signature) once: a replay is 409, a stale timestamp 401', async () => {
    const body = '{"ref":"stamped"}';
    const signature = stamped(body);
    const first = await post('github', body, { 'x-skiff-signature': signature });
    expect(first.status).toBe(202);
    const replay = await post('github', body, { 'x-skiff-signature': signature });
    expect(replay.status).toBe(409);
    expect(await replay.text()).toMatch(/already accepted/);
    const old = Math.floor(Date.now() / 1000) - 3600;
    const stale = await post('github', '{"ref":"stale"}', { 'x-skiff-signature': stamped('{"ref":"stale"}', old) });
    expect(stale.status).toBe(401);
    expect(await stale.text()).toMatch(/tolerance/);
    const forged = await post('github', '{"ref":"forged"}', {
      'x-skiff-signature': `t=${Math.floor(Date.now() / 1000)},v1=${hmac('{"ref":"other"}')}`,
    });
    expect(forged.status).toBe(401);
    await waitFor('the stamped call', () => bodies('on-github').includes(body), 30_000);
    await settle(1_000);
    expect(bodies('on-github').filter((b) => b === body)).toHaveLength(1);
  });

  it('does not take the same GitHub-signed body again under a new delivery id', async () => {
    const body = '{"ref":"refs/heads/main","replayed":true}';
    const sig = `sha256=${hmac(body)}`;
    expect((await post('github', body, { 'x-hub-signature-256': sig, 'x-github-delivery': 'd-0001' })).status).toBe(202);
    const again = await post('github', body, { 'x-hub-signature-256': sig, 'x-github-delivery': 'd-0002' });
    expect(again.status).toBe(409);
    await waitFor('the GitHub call', () => bodies('on-github').includes(body), 30_000);
    await settle(1_000);
    expect(bodies('on-github').filter((b) => b === body)).toHaveLength(1);
  });
});
