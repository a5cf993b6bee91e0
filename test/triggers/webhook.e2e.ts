import 'reflect-metadata';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from '../async/harness';
import { settle, TriggerHarness } from './trigger-harness';
import { waitFor } from '@skiff/testing';

jest.setTimeout(180_000);

describe('connector-webhook: signed webhooks → topic → function (real NATS and processes)', () => {
  const h = new TriggerHarness();
  const secrets = mkdtempSync(join(tmpdir(), 'skiff-webhook-secrets-'));
  const secret = 'gh-secret';
  let url = '';

  beforeAll(async () => {
    writeFileSync(join(secrets, 'webhook-github'), secret);
    await h.connect();
    await h.deployRecorded('on-push', { topic: 'github' });
    await h.deployRecorded('on-open', { topic: 'open' });
    await h.startWorker();
    url = (await h.startApp('connector-webhook', 'SKIFF_WEBHOOK_PORT', { SKIFF_WEBHOOK_SECRETS_DIR: secrets, SKIFF_WEBHOOK_MAX_BODY_BYTES: '10000' })).url;
  });

  afterAll(async () => {
    await h.close();
    rmSync(secrets, { recursive: true, force: true });
  });

  const sign = (body: string, key = secret) => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
  const post = (topic: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/webhook/${topic}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  it('a wrongly signed or unsigned webhook gets 401 and no invocation; a signed one reaches the function', async () => {
    const bad = await post('github', '{"ref":"bad"}', { 'x-hub-signature-256': sign('{"ref":"bad"}', 'wrong'), 'x-github-event': 'push' });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toMatch(/does not match/);
    const unsigned = await post('github', '{"ref":"unsigned"}');
    expect(unsigned.status).toBe(401);

    const body = '{"ref":"refs/heads/main"}';
    const good = await post('github', body, { 'x-hub-signature-256': sign(body), 'x-github-event': 'push', 'x-github-delivery': '0b5c7a3e-1111-2222-3333-444455556666' });
    expect(good.status).toBe(202);
    expect(await good.json()).toMatchObject({ topic: 'github', messageId: 'github-0b5c7a3e-1111-2222-3333-444455556666' });
    await waitFor('the signed webhook call', () => h.of('on-push').length > 0, 30_000);
    await settle(2_000);
    expect(h.of('on-push').map((r) => text(r.body))).toEqual([body]);
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
    await waitFor('the generic-signature call', () => h.of('on-push').some((r) => text(r.body) === body), 30_000);
  });

  it('a topic without a secret takes unsigned webhooks; bad topics 400, big bodies 413', async () => {
    const res = await post('open', 'hello', { 'content-type': 'text/plain' });
    expect(res.status).toBe(202);
    await waitFor('the unsigned call', () => h.of('open-missing').length === 0 && h.of('on-open').some((r) => text(r.body) === 'hello'), 30_000);
    expect((await post('a*b', 'x')).status).toBe(400);
    expect((await post('open', 'x'.repeat(20_000))).status).toBe(413);
  });

  it('serves /healthz and /metrics', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/skiff_webhook_requests_total\{[^}]*outcome="unauthorized"[^}]*\} 2/);
  });
});
