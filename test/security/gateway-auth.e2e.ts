// Attacker tests of the gateway's authorisation, as an anonymous HTTP client (security audit #1, #19).
// Request targets go out exactly as written (absolute-form, `//`, `%2f`, `..`, case games, …): every
// one either gets a 400 or is authorised like the route the router sends it to, so nothing that
// needs the admin credentials is ever served without them.
import { Platform, TEST_ADMIN_PASSWORD, basicAuthHeader, rawHttp, waitFor } from '@skiff/testing';

jest.setTimeout(240_000);

const SECRET = 'victim-secret';
const FN = 'victim';

/** Targets that reach (or try to reach) an admin route; `${port}` is filled in. */
function adminTargets(port: number): string[] {
  const targets = [
    'http://x/system/functions',
    'https://x/system/functions',
    'HTTP://x/system/functions',
    `http://127.0.0.1:${port}/system/functions`,
    'http://x/system/secrets',
    `http://x/system/function/${FN}`,
    'http://x/system/functions?namespace=openfaas-fn',
    'http://x//system/functions',
    'http://user:pw@x/system/functions',
    'http://x/ui/',
    'http://x/ui/index.html',
    'http://x/async-function/status/some-call',
    'http://x/system/info',
    '//system/functions',
    '/system//functions',
    '/%73ystem/functions',
    '/%73%79%73%74%65%6d/functions',
    '/system%2Ffunctions',
    '/system%2ffunctions',
    '/%2Fsystem/functions',
    '/SYSTEM/functions',
    '/System/Functions',
    '/system/FUNCTIONS',
    '/system/functions;x=1',
    '/system;/functions',
    '/system\\functions',
    '\\system\\functions',
    '/./system/functions',
    '/system/./functions',
    '/x/../system/functions',
    '/x/%2e%2e/system/functions',
    '/function/../system/functions',
    '/function/%2e%2e/system/functions',
    '/function/echo/../../system/functions',
    '/ui/../system/functions',
    '/ui%2findex.html',
    '/%75i/',
    '/system/functions%00',
    '/system/functions%20',
    '/system/functions/',
    '/system/functions#x',
    '/%c0%afsystem/functions',
    '/system%c0%affunctions',
    '/%e0%80%afsystem/functions',
    '/system/functions?',
    `/system/function/${FN}/`,
    `/system/function/${encodeURIComponent(FN)}`,
    '/async-function/status/x',
    '/async-function/%73tatus/x',
    '*',
    'system/functions',
    'http:/system/functions',
    'http:system/functions',
    'ftp://x/system/functions',
  ];
  // With a name the gateway answers to, an absolute-form target reaches its route (x gets the 421 of the Host check).
  return [...targets, ...targets.filter((t) => /^https?:\/\/x\//i.test(t)).map((t) => t.replace(/\/\/x\//i, '//localhost/'))];
}

describe('gateway authorisation (#1, #19)', () => {
  let platform: Platform;
  let port: number;

  beforeAll(async () => {
    platform = await Platform.start();
    port = platform.ports.gateway;
    const gw = platform.client();
    expect((await gw.post('/system/secrets', { name: SECRET, value: 'victim-secret-value' })).status).toBe(202);
    expect((await gw.post('/system/functions', { service: FN, image: 'any', envProcess: 'cat' })).status).toBe(202);
  });

  afterAll(async () => {
    await platform?.stop();
  });

  async function functionNames(): Promise<string[]> {
    return (await platform.client().get('/system/functions')).json<Array<{ name: string }>>().map((f) => f.name);
  }

  it('#1 never serves an admin route to an anonymous absolute-form, encoded, doubled or case-changed request target', async () => {
    const served: string[] = [];
    for (const target of adminTargets(port)) {
      let getStatus = 0;
      for (const method of ['GET', 'HEAD']) {
        const reply = await rawHttp(port, { method, target }).catch((err: Error) => ({
          status: 0,
          text: `no HTTP answer: ${err.message}`,
        }));
        if (method === 'GET') getStatus = reply.status;
        if (reply.status === 0) {
          // Node's parser answers a target it cannot parse with a 400 that carries a body even to HEAD.
          if (!(method === 'HEAD' && getStatus === 400)) served.push(`${method} ${target} → ${reply.text}`);
          continue;
        }
        const leaked =
          reply.text.includes(FN) || reply.text.includes(SECRET) || reply.text.includes('<html') || reply.text.includes('"provider"');
        if ((reply.status >= 200 && reply.status < 400) || leaked)
          served.push(`${method} ${target} → ${reply.status} ${reply.text.slice(0, 80)}`);
        else expect([400, 401, 404, 405, 414, 421]).toContain(reply.status);
      }
    }
    expect(served).toEqual([]);
  });

  it('#1 authorises an absolute-form target exactly like the route it reaches (with credentials it works, or it is a 400)', async () => {
    // (A name the gateway does not answer to is a 421: the DNS-rebinding check, csrf.e2e.ts.)
    expect((await rawHttp(port, { target: 'http://x/system/functions', headers: basicAuthHeader() })).status).toBe(421);
    const withAuth = await rawHttp(port, { target: `http://localhost:${port}/system/functions`, headers: basicAuthHeader() });
    expect([200, 400]).toContain(withAuth.status);
    if (withAuth.status === 200) expect(withAuth.text).toContain(FN);
    else expect(withAuth.text).toMatch(/request target/i);
    const wrong = await rawHttp(port, { target: `http://localhost:${port}/system/functions`, headers: basicAuthHeader('admin', 'wrong') });
    expect([400, 401]).toContain(wrong.status);
    // Public routes stay public in absolute-form: `http://x` is `/` (the redirect to the portal).
    expect((await rawHttp(port, { target: 'http://localhost' })).status).toBe(307);
    expect((await rawHttp(port, { target: 'http://127.0.0.1/healthz' })).status).toBe(200);
  });

  it('#1 refuses an anonymous deploy, scale, delete or secret write sent with an absolute-form target', async () => {
    const json = { 'content-type': 'application/json' };
    const attempts: Array<[string, string, unknown]> = [
      ['POST', 'http://x/system/functions', { service: 'planted', image: 'any', envProcess: 'id' }],
      ['PUT', 'http://x/system/functions', { service: FN, image: 'any', envProcess: 'id' }],
      ['POST', `http://x/system/scale-function/${FN}`, { serviceName: FN, replicas: 0 }],
      ['DELETE', 'http://x/system/functions', { functionName: FN }],
      ['DELETE', 'http://x/system/secrets', { name: SECRET }],
      ['POST', '//system/functions', { service: 'planted2', image: 'any', envProcess: 'id' }],
      ['POST', '/%73ystem/functions', { service: 'planted3', image: 'any', envProcess: 'id' }],
    ];
    for (const [method, given, body] of attempts) {
      for (const target of given.startsWith('http://x/') ? [given, given.replace('http://x/', 'http://localhost/')] : [given]) {
        const reply = await rawHttp(port, { method, target, headers: json, body: JSON.stringify(body) });
        expect([method, target, [400, 401, 404, 421].includes(reply.status) ? 'refused' : reply.status]).toEqual([
          method,
          target,
          'refused',
        ]);
      }
    }
    expect((await functionNames()).sort()).toEqual([FN]);
    const secrets = (await platform.client().get('/system/secrets')).json<Array<{ name: string }>>();
    expect(secrets.map((s) => s.name)).toEqual([SECRET]);
    const fn = (await platform.client().get(`/system/function/${FN}`)).json<{ envProcess: string }>();
    expect(fn.envProcess).toBe('cat');
  });

  it('#1 still needs the credentials to cancel an async call, whatever the request target', async () => {
    for (const target of [
      'http://x/async-function/some-call-id',
      'http://localhost/async-function/some-call-id',
      '/async-function/some-call-id',
      '//async-function/some-call-id',
    ]) {
      const reply = await rawHttp(port, { method: 'DELETE', target });
      expect([target, [400, 401, 404, 421].includes(reply.status) ? 'refused' : reply.status]).toEqual([target, 'refused']);
    }
    const withAuth = await rawHttp(port, { method: 'DELETE', target: '/async-function/some-call-id', headers: basicAuthHeader() });
    expect(withAuth.status).toBe(404);
  });

  it('keeps the public routes public and the admin routes working with credentials', async () => {
    expect((await rawHttp(port, { target: '/healthz' })).status).toBe(200);
    await waitFor(
      'victim to answer',
      async () => ((await rawHttp(port, { method: 'POST', target: `/function/${FN}`, body: 'hi' })).text === 'hi' ? true : undefined),
      60_000,
      250,
    );
    expect((await rawHttp(port, { target: '/', headers: {} })).status).toBe(307);
    expect((await rawHttp(port, { target: '/system/functions', headers: basicAuthHeader() })).status).toBe(200);
    expect((await rawHttp(port, { target: '/ui/', headers: basicAuthHeader() })).status).toBe(200);
    expect(
      (await rawHttp(port, { target: '/system/functions', headers: basicAuthHeader('admin', `${TEST_ADMIN_PASSWORD}x`) })).status,
    ).toBe(401);
  });

  it('#19 slows a password guesser down per address: after 200 wrong passwords the right one from that address is refused (429, Retry-After), another address gets in at once', async () => {
    const attacker = '127.0.0.3';
    const other = '127.0.0.2';
    const statuses = new Map<number, number>();
    for (let i = 0; i < 200; i++) {
      const reply = await rawHttp(port, {
        target: '/system/functions',
        headers: basicAuthHeader('admin', `guess-${i}`),
        localAddress: attacker,
      });
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      expect([401, 429]).toContain(reply.status);
    }
    expect(statuses.get(429) ?? 0).toBeGreaterThan(0);
    const right = await rawHttp(port, { target: '/system/functions', headers: basicAuthHeader(), localAddress: attacker });
    expect(right.status).toBe(429);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    expect(right.text).not.toContain(FN);
    // A cancel from that address is not checked either.
    expect(
      (await rawHttp(port, { method: 'DELETE', target: '/async-function/some-call', headers: basicAuthHeader(), localAddress: attacker }))
        .status,
    ).toBe(429);
    const elsewhere = await rawHttp(port, { target: '/system/functions', headers: basicAuthHeader(), localAddress: other });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.text).toContain(FN);
    // Public routes stay open to the guesser.
    expect((await rawHttp(port, { target: '/healthz', localAddress: attacker })).status).toBe(200);
  });
});
