import 'reflect-metadata';
import { basicAuthHeader, waitFor } from '@skiff/testing';
import { AsyncHarness, CallbackReceiver, freePort, text } from './harness';

const CALLBACK_ATTEMPTS = 4;

jest.setTimeout(120_000);

describe('async invocation: retries, dead letters, replay, callbacks retried, cancel', () => {
  const h = new AsyncHarness();
  const callbacks = new CallbackReceiver();
  const runs = new Map<string, number>();
  const count = (fn: string, callId: string) => {
    const key = `${fn}/${callId}`;
    const n = (runs.get(key) ?? 0) + 1;
    runs.set(key, n);
    return n;
  };
  let healed = false;
  let releaseSlow!: () => void;
  const slowGate = new Promise<void>((r) => (releaseSlow = r));

  beforeAll(async () => {
    await h.connect();
    await callbacks.start();
    await h.deploy('flaky');
    await h.deploy('always-fails', { 'com.openfaas.retry.attempts': '3' });
    await h.deploy('own-500');
    await h.deploy('own-500-retried', { 'com.openfaas.retry.attempts': '2', 'com.openfaas.retry.codes': '500,503' });
    await h.deploy('platform-500', { 'com.openfaas.retry.attempts': '2' });
    await h.deploy('cb-target');
    await h.deploy('one-at-a-time', { 'com.openfaas.queue.max_inflight': '1' });
    h.replica('flaky', (req) =>
      count('flaky', req.headers['x-call-id'] as string) < 3
        ? { status: 503, body: Buffer.from('busy') }
        : { status: 200, body: Buffer.from('ok') },
    );
    h.replica('always-fails', (req) =>
      healed ? { status: 200, body: Buffer.from(`healed:${text(req.body)}`) } : { status: 503, body: Buffer.from('down') },
    );
    h.replica('own-500', (req) => {
      count('own-500', req.headers['x-call-id'] as string);
      return { status: 500, body: Buffer.from('function bug') };
    });
    h.replica('own-500-retried', (req) => {
      count('own-500-retried', req.headers['x-call-id'] as string);
      return { status: 500, body: Buffer.from('function bug') };
    });
    h.replica('platform-500', (req) => {
      count('platform-500', req.headers['x-call-id'] as string);
      return { status: 500, internal: 'watchdog', body: Buffer.from('platform trouble') };
    });
    h.replica('cb-target', (req) => {
      count('cb-target', req.headers['x-call-id'] as string);
      return { status: 201, body: Buffer.from('made') };
    });
    h.replica('one-at-a-time', async (req) => {
      count('one-at-a-time', req.headers['x-call-id'] as string);
      if (req.headers['x-call-id'] === 'slow-first') await slowGate;
      return { status: 200 };
    });
    await h.startGateway();
    await h.startWorker({
      SKIFF_QUEUE_RETRY_MIN_WAIT_MS: '50',
      SKIFF_QUEUE_RETRY_MAX_WAIT_MS: '300',
      SKIFF_QUEUE_CALLBACK_ATTEMPTS: String(CALLBACK_ATTEMPTS),
    });
  });

  afterAll(async () => {
    releaseSlow();
    await h.close();
    await callbacks.stop();
  });

  it('retries 503 with back-off until the function succeeds', async () => {
    const res = await h.submit('/async-function/flaky', { body: 'x', headers: { 'X-Callback-Url': callbacks.url } });
    const callId = res.headers.get('x-call-id')!;
    const status = await h.waitState(callId, 'succeeded');
    expect(status).toMatchObject({ attempts: 3, statusCode: 200, body: 'ok' });
    const [cb] = await waitFor('callback', () => (callbacks.of(callId).length ? callbacks.of(callId) : undefined));
    expect(cb.headers['x-retry']).toBe('2');
    expect(cb.headers['x-function-status']).toBe('200');
  });

  it('does not retry a 500 the function produced unless it lists 500 in its retry codes, but retries one the platform produced', async () => {
    const own = (await h.submit('/async-function/own-500', { body: 'x', headers: { 'X-Call-Id': 'own-500-call' } })).headers.get(
      'x-call-id',
    )!;
    expect(await h.waitState(own, 'failed')).toMatchObject({ attempts: 1, statusCode: 500, body: 'function bug' });
    expect(runs.get('own-500/own-500-call')).toBe(1);

    const plat = (await h.submit('/async-function/platform-500', { body: 'x', headers: { 'X-Call-Id': 'platform-500-call' } })).headers.get(
      'x-call-id',
    )!;
    expect(await h.waitState(plat, 'dead-lettered')).toMatchObject({ attempts: 2, statusCode: 500 });
    expect(runs.get('platform-500/platform-500-call')).toBe(2);

    // The function's own 500 is retried when its com.openfaas.retry.codes lists 500.
    const asked = (
      await h.submit('/async-function/own-500-retried', { body: 'x', headers: { 'X-Call-Id': 'own-500-retried-call' } })
    ).headers.get('x-call-id')!;
    expect(await h.waitState(asked, 'dead-lettered')).toMatchObject({ attempts: 2, statusCode: 500 });
    expect(runs.get('own-500-retried/own-500-retried-call')).toBe(2);
  });

  it('dead-letters a call after its last attempt, lists it, replays it and deletes another', async () => {
    const ids: string[] = [];
    for (const body of ['first', 'second']) {
      const res = await h.submit('/async-function/always-fails', { body, headers: { 'X-Callback-Url': callbacks.url } });
      expect(res.status).toBe(202);
      ids.push(res.headers.get('x-call-id')!);
    }
    for (const id of ids) {
      const s = await h.waitState(id, 'dead-lettered');
      expect(s).toMatchObject({ attempts: 3, maxAttempts: 3, statusCode: 503 });
    }
    // The final response still reaches the callback, once, with the retry counters.
    const [cb] = await waitFor('callback of the dead letter', () => (callbacks.of(ids[0]).length ? callbacks.of(ids[0]) : undefined));
    expect(cb.headers).toMatchObject({ 'x-function-status': '503', 'x-retry': '2', 'x-retry-max': '3' });

    const list = (await (
      await fetch(`${h.gatewayUrl}/system/async/dead-letters?name=always-fails`, { headers: basicAuthHeader() })
    ).json()) as Array<Record<string, unknown>>;
    expect(list.map((d) => d.callId).sort()).toEqual([...ids].sort());
    const first = list.find((d) => d.callId === ids[0])!;
    expect(first).toMatchObject({
      name: 'always-fails',
      namespace: 'openfaas-fn',
      method: 'POST',
      status: 503,
      attempts: 3,
      bodySize: 5,
      callbackUrl: callbacks.url,
    });
    expect(String(first.reason)).toContain('503');
    expect(
      await (await fetch(`${h.gatewayUrl}/system/async/dead-letters?namespace=other-ns`, { headers: basicAuthHeader() })).json(),
    ).toEqual([]);

    healed = true;
    const replay = await fetch(`${h.gatewayUrl}/system/async/dead-letters/${first.id}/replay`, {
      method: 'POST',
      headers: basicAuthHeader(),
    });
    expect(replay.status).toBe(202);
    expect(replay.headers.get('x-call-id')).toBe(ids[0]);
    expect(await h.waitState(ids[0], 'succeeded')).toMatchObject({ attempts: 1, statusCode: 200, body: 'healed:first' });

    const second = list.find((d) => d.callId === ids[1])!;
    expect(
      (await fetch(`${h.gatewayUrl}/system/async/dead-letters/${second.id}`, { method: 'DELETE', headers: basicAuthHeader() })).status,
    ).toBe(204);
    expect(
      (await fetch(`${h.gatewayUrl}/system/async/dead-letters/${second.id}`, { method: 'DELETE', headers: basicAuthHeader() })).status,
    ).toBe(404);
    expect(
      (await fetch(`${h.gatewayUrl}/system/async/dead-letters/${second.id}/replay`, { method: 'POST', headers: basicAuthHeader() })).status,
    ).toBe(404);
    expect((await fetch(`${h.gatewayUrl}/system/async/dead-letters/abc`, { method: 'DELETE', headers: basicAuthHeader() })).status).toBe(
      400,
    );
    expect(
      await (await fetch(`${h.gatewayUrl}/system/async/dead-letters?name=always-fails`, { headers: basicAuthHeader() })).json(),
    ).toEqual([]);
  });

  it('retries a failed callback without running the function again', async () => {
    callbacks.status = (n) =>
      n === callbacks.received.length &&
      callbacks.received.at(-1)?.headers['x-call-id'] === 'cb-retry' &&
      callbacks.of('cb-retry').length < 3
        ? 503
        : 200;
    await h.submit('/async-function/cb-target', { body: 'x', headers: { 'X-Callback-Url': callbacks.url, 'X-Call-Id': 'cb-retry' } });
    await waitFor('three callback deliveries', () => callbacks.of('cb-retry').length >= 3, 30_000);
    callbacks.status = () => 200;
    expect(runs.get('cb-target/cb-retry')).toBe(1);
    expect(callbacks.of('cb-retry').every((c) => c.headers['x-function-status'] === '201' && c.body === 'made')).toBe(true);
  });

  it("records a callback given up after its attempts, or refused by the receiver, in the call's result and metrics", async () => {
    const nobody = `http://127.0.0.1:${await freePort()}/cb`;
    await h.submit('/async-function/cb-target', { body: 'x', headers: { 'X-Callback-Url': nobody, 'X-Call-Id': 'cb-lost' } });
    const lost = await waitFor(
      'the lost callback to be recorded',
      async () => ((await h.status('cb-lost'))?.callback ? h.status('cb-lost') : undefined),
      60_000,
    );
    expect(lost).toMatchObject({
      state: 'succeeded',
      statusCode: 201,
      callback: { outcome: 'given-up', status: 0, attempts: CALLBACK_ATTEMPTS },
    });
    expect(String((lost!.callback as Record<string, unknown>).error)).not.toBe('');

    callbacks.status = () => (callbacks.received.at(-1)?.headers['x-call-id'] === 'cb-refused' ? 410 : 200);
    await h.submit('/async-function/cb-target', { body: 'x', headers: { 'X-Callback-Url': callbacks.url, 'X-Call-Id': 'cb-refused' } });
    const refused = await waitFor(
      'the refused callback to be recorded',
      async () => ((await h.status('cb-refused'))?.callback ? h.status('cb-refused') : undefined),
      30_000,
    );
    callbacks.status = () => 200;
    expect(refused).toMatchObject({ state: 'succeeded', callback: { outcome: 'rejected', status: 410, attempts: 1 } });
    expect(callbacks.of('cb-refused')).toHaveLength(1);

    const metrics = await (await fetch(`${h.workerUrls[0]}/metrics`)).text();
    expect(metrics).toMatch(/skiff_async_callbacks_total\{[^}]*outcome="given-up"[^}]*function_name="cb-target.openfaas-fn"[^}]*\} 1/);
    expect(metrics).toMatch(/skiff_async_callbacks_total\{[^}]*outcome="rejected"[^}]*\} 1/);
  });

  it('cancels a call that has not started, refuses one that is running', async () => {
    await h.submit('/async-function/one-at-a-time', { headers: { 'X-Call-Id': 'slow-first' } });
    await h.waitState('slow-first', 'running');
    await h.submit('/async-function/one-at-a-time', { headers: { 'X-Call-Id': 'to-cancel' } });
    // Cancelling needs the admin credentials, as call status does: without them nothing changes.
    const anonymous = await fetch(`${h.gatewayUrl}/async-function/to-cancel`, { method: 'DELETE' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Basic');
    expect((await h.status('to-cancel'))?.state).toBe('queued');
    expect((await fetch(`${h.gatewayUrl}/async-function/slow-first`, { method: 'DELETE', headers: basicAuthHeader() })).status).toBe(409);
    const cancel = await fetch(`${h.gatewayUrl}/async-function/to-cancel`, { method: 'DELETE', headers: basicAuthHeader() });
    expect(cancel.status).toBe(202);
    expect((await fetch(`${h.gatewayUrl}/async-function/no-such-call`, { method: 'DELETE', headers: basicAuthHeader() })).status).toBe(404);
    releaseSlow();
    await h.waitState('slow-first', 'succeeded');
    await h.submit('/async-function/one-at-a-time', { headers: { 'X-Call-Id': 'after' } });
    await h.waitState('after', 'succeeded');
    expect((await h.status('to-cancel'))?.state).toBe('cancelled');
    expect(runs.get('one-at-a-time/to-cancel')).toBeUndefined();
  });
});
