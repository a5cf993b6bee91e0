import 'reflect-metadata';
import { ASYNC_HTTP_HEADERS } from '@skiff/contracts';
import { basicAuthHeader, waitFor } from '@skiff/testing';
import { InvokeRequest } from '@skiff/invoke';
import { AsyncHarness, CallbackReceiver, text } from './harness';

jest.setTimeout(120_000);

describe('async invocation: happy path (gateway + queue-worker processes, real NATS)', () => {
  const h = new AsyncHarness();
  const callbacks = new CallbackReceiver();
  const seen: InvokeRequest[] = [];

  beforeAll(async () => {
    await h.connect();
    await callbacks.start();
    await h.deploy('echo');
    h.replica('echo', (req) => {
      seen.push(req);
      return {
        status: 200,
        headers: { 'content-type': 'text/plain', 'x-from-function': 'yes' },
        body: Buffer.from(`echo:${text(req.body)}`),
      };
    });
    await h.startGateway();
    await h.startWorker();
  });

  afterAll(async () => {
    await h.close();
    await callbacks.stop();
  });

  it('answers 202 with X-Call-Id, runs the call, posts the callback and keeps the result', async () => {
    const res = await h.submit('/async-function/echo', { body: 'hello', headers: { 'X-Callback-Url': callbacks.url } });
    expect(res.status).toBe(202);
    const callId = res.headers.get('x-call-id')!;
    expect(callId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-start-time')).toMatch(/^\d{19}$/);

    const [cb] = await waitFor('the callback', () => (callbacks.of(callId).length ? callbacks.of(callId) : undefined), 30_000);
    expect(cb.body).toBe('echo:hello');
    expect(cb.headers[ASYNC_HTTP_HEADERS.functionStatus.toLowerCase()]).toBe('200');
    expect(cb.headers[ASYNC_HTTP_HEADERS.functionName.toLowerCase()]).toBe('echo');
    expect(Number(cb.headers['x-duration-seconds'])).toBeGreaterThanOrEqual(0);
    expect(cb.headers['x-retry']).toBe('0');
    expect(Number(cb.headers['x-retry-max'])).toBeGreaterThan(0);
    expect(cb.headers['x-from-function']).toBe('yes');

    const status = await h.waitState(callId, 'succeeded');
    expect(status).toMatchObject({
      callId,
      name: 'echo',
      namespace: 'openfaas-fn',
      statusCode: 200,
      body: 'echo:hello',
      bodyEncoding: 'utf8',
      attempts: 1,
    });
  });

  it("keeps the method, path, query and headers, and the caller's call id", async () => {
    const res = await h.submit('/async-function/echo.openfaas-fn/sub/path?x=1&y=2', {
      method: 'PUT',
      body: 'b',
      headers: { 'X-Call-Id': 'my-call-1', 'X-Custom': 'c' },
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-call-id')).toBe('my-call-1');
    await h.waitState('my-call-1', 'succeeded');
    const req = seen.find((r) => r.headers['x-call-id'] === 'my-call-1')!;
    expect(req).toMatchObject({ method: 'PUT', path: '/sub/path', query: 'x=1&y=2' });
    expect(req.headers['x-custom']).toBe('c');
  });

  it('answers 404 for an unknown function and for an unknown call id', async () => {
    const res = await h.submit('/async-function/nope', { body: 'x' });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('nope');
    expect(await h.status('never-existed')).toBeUndefined();
  });

  it('asks for the admin credentials on call status and dead letters, not on submission', async () => {
    expect((await fetch(`${h.gatewayUrl}/async-function/status/never-existed`)).status).toBe(401);
    expect((await fetch(`${h.gatewayUrl}/system/async/dead-letters`)).status).toBe(401);
    expect((await fetch(`${h.gatewayUrl}/system/async/dead-letters`, { headers: basicAuthHeader() })).status).toBe(200);
  });

  it('rejects a callback URL that is not http(s) with 400 and stores nothing', async () => {
    for (const url of ['ftp://example.com/x', 'not a url', 'javascript:alert(1)']) {
      const res = await h.submit('/async-function/echo', { body: 'x', headers: { 'X-Callback-Url': url, 'X-Call-Id': 'bad-cb' } });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('X-Callback-Url');
    }
    expect(await h.status('bad-cb')).toBeUndefined();
  });
});
