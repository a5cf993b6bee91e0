import 'reflect-metadata';
import { createHmac } from 'node:crypto';
import { subjects } from '@skiff/contracts';
import { basicAuthHeader, waitFor } from '@skiff/testing';
import { text } from '../async/harness';
import { settle, TriggerHarness } from './trigger-harness';

jest.setTimeout(180_000);

describe('connector-webhook: signed webhooks (secret webhook-<topic> checked by the provider) → topic → function (real NATS and processes)', () => {
  const h = new TriggerHarness();
  const secret = 'gh-secret';
  let url = '';

  /** Creates (POST) or replaces (PUT) a secret through the gateway's real /system/secrets API. */
  const putSecret = (method: 'POST' | 'PUT', name: string, value: string) =>
    fetch(`${h.gatewayUrl}/system/secrets`, {
      method,
      headers: { ...basicAuthHeader(), 'content-type': 'application/json' },
      body: JSON.stringify({ name, value }),
    });

  beforeAll(async () => {
    await h.connect();
    await h.deployRecorded('on-push', { topic: 'github' });
    await h.deployRecorded('on-open', { topic: 'open' });
    await h.startProvider();
    await h.startGateway();
    expect((await putSecret('POST', 'webhook-github', secret)).status).toBe(202);
    await h.startWorker();
    // Topics without a secret refuse webhooks unless opened for unsigned posts.
    url = (
      await h.startApp('connector-webhook', 'SKIFF_WEBHOOK_PORT', {
        SKIFF_WEBHOOK_MAX_BODY_BYTES: '10000',
        SKIFF_WEBHOOK_UNSIGNED_TOPICS: 'open,no-secret-here',
      })
    ).url;
  });

  afterAll(async () => {
    await h.close();
  });

  const sign = (body: string, key = secret) => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
  const post = (topic: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/webhook/${topic}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const bodies = (name: string) => h.of(name).map((r) => text(r.body));

  it('a wrongly signed or unsigned webhook gets 401 and no invocation; a signed one reaches the function', async () => {
    const bad = await post('github', '{"ref":"bad"}', { 'x-hub-signature-256': sign('{"ref":"bad"}', 'wrong'), 'x-github-event': 'push' });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toMatch(/does not match/);
    const unsigned = await post('github', '{"ref":"unsigned"}');
    expect(unsigned.status).toBe(401);
    expect(await unsigned.text()).toMatch(/missing signature/);

    const body = '{"ref":"refs/heads/main"}';
    const good = await post('github', body, {
      'x-hub-signature-256': sign(body),
      'x-github-event': 'push',
      'x-github-delivery': '0b5c7a3e-1111-2222-3333-444455556666',
    });
    expect(good.status).toBe(202);
    expect(await good.json()).toMatchObject({ topic: 'github', messageId: 'github-0b5c7a3e-1111-2222-3333-444455556666' });
    await waitFor('the signed webhook call', () => h.of('on-push').length > 0, 30_000);
    await settle(2_000);
    expect(bodies('on-push')).toEqual([body]);
    const req = h.of('on-push')[0];
    expect(req.headers['x-connector']).toBe('webhook');
    expect(req.headers['x-topic']).toBe('github');
    expect(req.headers['x-github-event']).toBe('push');
    expect(req.headers['content-type']).toBe('application/json');
  });

  it('accepts the generic X-Signature header', async () => {
    const body = '{"generic":true}';
    const res = await post('github', body, { 'x-signature': createHmac('sha256', secret).update(body).digest('hex') });
    expect(res.status).toBe(202);
    await waitFor('the generic-signature call', () => bodies('on-push').includes(body), 30_000);
  });

  it('a topic opened in SKIFF_WEBHOOK_UNSIGNED_TOPICS takes unsigned webhooks while it has no secret; others 403; bad topics 400, big bodies 413', async () => {
    const res = await post('open', 'hello', { 'content-type': 'text/plain' });
    expect(res.status).toBe(202);
    await waitFor('the unsigned call', () => bodies('on-open').includes('hello'), 30_000);
    expect((await post('not-opened', 'x')).status).toBe(403);
    expect((await post('a*b', 'x')).status).toBe(400);
    expect((await post('open', 'x'.repeat(20_000))).status).toBe(413);
    const overlong = await post('open', 'x', { 'x-signature': 'a'.repeat(300) });
    expect({ status: overlong.status, text: await overlong.text() }).toMatchObject({
      status: 400,
      text: expect.stringMatching(/genericSignature: must be at most 256 characters/),
    });
  });

  it('a secret created or rotated through /system/secrets counts at the next request', async () => {
    expect((await putSecret('POST', 'webhook-open', 'open-1')).status).toBe(202);
    expect((await post('open', 'unsigned-now', { 'content-type': 'text/plain' })).status).toBe(401);
    expect((await post('open', 'signed-1', { 'x-signature': sign('signed-1', 'open-1') })).status).toBe(202);
    expect((await putSecret('PUT', 'webhook-open', 'open-2')).status).toBe(202);
    expect((await post('open', 'old-key', { 'x-signature': sign('old-key', 'open-1') })).status).toBe(401);
    expect((await post('open', 'signed-2', { 'x-signature': sign('signed-2', 'open-2') })).status).toBe(202);
    await waitFor('both signed calls', () => bodies('on-open').includes('signed-1') && bodies('on-open').includes('signed-2'), 30_000);
    await settle(1_000);
    expect(bodies('on-open')).not.toContain('unsigned-now');
    expect(bodies('on-open')).not.toContain('old-key');
  });

  it('serves /healthz and /metrics', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/skiff_webhook_requests_total\{[^}]*outcome="unauthorized"[^}]*\} 4/);
  });

  it('without a provider to check signatures, every webhook gets 503 and nothing is published', async () => {
    await h.processes.find((p) => p.name === 'provider')!.stop('SIGTERM', 10_000);
    const jsm = await h.nc.jetstreamManager();
    const before = (await jsm.streams.info(subjects.topicStream)).state.last_seq;
    const body = '{"while":"provider down"}';
    const signed = await post('github', body, { 'x-hub-signature-256': sign(body) });
    expect(signed.status).toBe(503);
    expect(await signed.text()).toMatch(/could not be checked/);
    expect((await post('open', 'provider-down', { 'content-type': 'text/plain' })).status).toBe(503);
    expect((await jsm.streams.info(subjects.topicStream)).state.last_seq).toBe(before);
    await settle(1_000);
    expect(bodies('on-push')).not.toContain(body);
    expect(bodies('on-open')).not.toContain('provider-down');
  });

  it('a provider that cannot open the secret (another key) answers 503, and nothing is published', async () => {
    await h.startProvider({ SKIFF_SECRETS_KEY: Buffer.alloc(32, 9).toString('base64') }, 'provider-other-key');
    const jsm = await h.nc.jetstreamManager();
    const before = (await jsm.streams.info(subjects.topicStream)).state.last_seq;
    const body = '{"key":"other"}';
    const res = await post('github', body, { 'x-hub-signature-256': sign(body) });
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/cannot be decrypted/);
    expect((await jsm.streams.info(subjects.topicStream)).state.last_seq).toBe(before);
    // A topic without a secret needs no key: it still works.
    expect((await post('no-secret-here', 'fine')).status).toBe(202);
  });
});
