// Attacker tests of cross-site use of the admin API (security audit #4), as a page in the admin's
// browser would drive it: the browser adds the cached basic auth, so the credentials are right, and
// only the request's shape gives it away (a form's content type, a foreign Origin, Sec-Fetch-Site).
// Plus DNS rebinding: a page served from a name that resolves to the gateway sends that name as Host.
import { gzipSync } from 'node:zlib';
import { Platform, RawHttpReply, basicAuthHeader, rawHttp } from '@skiff/testing';

jest.setTimeout(240_000);

const ADMIN = basicAuthHeader();
const LISTED_ORIGIN = 'https://portal.example.org';
const deployment = (service: string) => JSON.stringify({ service, image: 'any', envProcess: 'cat' });

describe('cross-site requests to the admin API (#4)', () => {
  let platform: Platform;
  let port: number;
  let self: string;

  beforeAll(async () => {
    platform = await Platform.start({ serviceEnv: { gateway: { SKIFF_GATEWAY_ALLOWED_ORIGINS: LISTED_ORIGIN } } });
    port = platform.ports.gateway;
    self = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await platform?.stop();
  });

  async function functionNames(): Promise<string[]> {
    return (await platform.client().get('/system/functions')).json<Array<{ name: string }>>().map((f) => f.name);
  }

  const send = (method: string, target: string, headers: Record<string, string>, body?: string | Buffer): Promise<RawHttpReply> =>
    rawHttp(port, { method, target, headers: { ...ADMIN, ...headers }, body });

  it.each([
    ['application/x-www-form-urlencoded', 'a form post'],
    ['multipart/form-data; boundary=x', 'a multipart form post'],
    ['text/plain', 'a text/plain fetch or form'],
    ['application/jsonx', 'a look-alike type'],
    ['text/json', 'another JSON-ish type'],
  ])('#4 refuses a /system write sent as %s (%s) with 415 and the reason', async (type) => {
    for (const [method, target, body] of [
      ['POST', '/system/functions', deployment('csrf-form')],
      ['PUT', '/system/functions', deployment('csrf-form')],
      ['DELETE', '/system/functions', JSON.stringify({ functionName: 'csrf-form' })],
      ['POST', '/system/secrets', JSON.stringify({ name: 'csrf-secret', value: 'x' })],
      ['POST', '/system/scale-function/csrf-form', JSON.stringify({ serviceName: 'csrf-form', replicas: 2 })],
      ['POST', '/system/namespace/', JSON.stringify({ name: 'csrf-ns', labels: { openfaas: '1' } })],
    ]) {
      const reply = await send(method, target, { 'content-type': type }, body);
      expect([method, target, reply.status]).toEqual([method, target, 415]);
      expect(reply.text).toMatch(/application\/json/);
    }
    expect(await functionNames()).not.toContain('csrf-form');
  });

  it('#4 refuses a /system write with a body and no content type', async () => {
    const reply = await send('POST', '/system/functions', {}, deployment('csrf-untyped'));
    expect(reply.status).toBe(415);
    expect(await functionNames()).not.toContain('csrf-untyped');
  });

  it.each([
    [{ origin: 'http://evil.example' }, 'a foreign Origin'],
    [{ origin: `http://127.0.0.1:${1}` }, 'another port on the same host'],
    [{ origin: 'null' }, 'an opaque Origin (sandboxed frame, data: URL)'],
    [{ origin: 'not a url' }, 'an unreadable Origin'],
    [{ 'sec-fetch-site': 'cross-site' }, 'Sec-Fetch-Site: cross-site'],
    [{ origin: 'http://evil.example', 'sec-fetch-site': 'same-origin' }, 'a foreign Origin with a forged Sec-Fetch-Site'],
  ])(
    '#4 refuses an authenticated admin request with %j (%s) with 403, writes and reads alike',
    async (headers: Record<string, string>, _why: string) => {
      const json = { 'content-type': 'application/json', ...headers };
      const deploy = await send('POST', '/system/functions', json, deployment('csrf-origin'));
      expect(deploy.status).toBe(403);
      expect(deploy.text).toMatch(/cross-site/);
      expect((await send('GET', '/system/secrets', headers)).status).toBe(403);
      expect((await send('GET', '/ui/', headers)).status).toBe(403);
      expect(await functionNames()).not.toContain('csrf-origin');
    },
  );

  it('#4 treats a cross-site cancel of an async call as anonymous', async () => {
    const reply = await send('DELETE', '/async-function/some-call-id', { origin: 'http://evil.example' });
    expect(reply.status).toBe(401);
    expect((await send('DELETE', '/async-function/some-call-id', {})).status).toBe(404);
  });

  it('#4 refuses a name that is not this gateway in Host (DNS rebinding), on every route', async () => {
    for (const target of ['/system/functions', '/function/anything', '/healthz', 'http://rebound.example/system/functions']) {
      const reply = await send('GET', target, target.startsWith('http') ? {} : { host: `rebound.example:${port}` });
      expect([target, reply.status]).toEqual([target, 421]);
      expect(reply.text).toMatch(/SKIFF_GATEWAY_HOSTS/);
    }
  });

  it('serves the same origin, listed origins, loopback names and IP addresses', async () => {
    const json = { 'content-type': 'application/json' };
    expect(
      (await send('POST', '/system/functions', { ...json, origin: self, 'sec-fetch-site': 'same-origin' }, deployment('same-origin')))
        .status,
    ).toBe(202);
    expect(
      (
        await send(
          'POST',
          '/system/functions',
          { ...json, 'content-type': 'application/json; charset=utf-8', origin: LISTED_ORIGIN },
          deployment('listed-origin'),
        )
      ).status,
    ).toBe(202);
    expect((await send('GET', '/system/functions', { 'sec-fetch-site': 'same-site' })).status).toBe(200);
    expect((await send('GET', '/system/functions', { 'sec-fetch-site': 'none' })).status).toBe(200);
    expect((await send('GET', '/ui/', { origin: self })).status).toBe(200);
    expect((await send('GET', '/system/functions', { host: `localhost:${port}` })).status).toBe(200);
    expect((await send('GET', '/system/functions', { host: `[::1]:${port}` })).status).toBe(200);
    // A write without a body needs no content type (curl -X DELETE, a replay POST).
    expect((await send('DELETE', '/system/bundles/nothing-here', {})).status).toBe(404);
    expect(await functionNames()).toEqual(expect.arrayContaining(['same-origin', 'listed-origin']));
  });

  it('keeps the bundle upload type and lets functions take any type from anywhere', async () => {
    const upload = await send(
      'PUT',
      '/system/bundles/csrf-check:1',
      { 'content-type': 'application/gzip', 'x-skiff-bundle-digest': 'sha256:00' },
      gzipSync('not a tar'),
    );
    expect(upload.status).toBe(400);
    expect(upload.text).not.toMatch(/application\/json/);
    const call = await rawHttp(port, {
      method: 'POST',
      target: '/function/not-deployed',
      headers: { 'content-type': 'text/plain', origin: 'http://elsewhere.example' },
      body: 'x',
    });
    expect(call.status).toBe(404);
  });
});
