import 'reflect-metadata';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { CallbackPolicy } from '@skiff/contracts';
import { waitFor } from '@skiff/testing';
import { AsyncHarness, CallbackReceiver } from '../async/harness';

jest.setTimeout(180_000);

/**
 * Audit #7, callback SSRF: anonymous callers chose `X-Callback-Url` (loopback, link-local, private)
 * and the queue-worker POSTed the function's response there. Done as the audit did it: an anonymous
 * async call to an echo function, so the attacker also chooses the body that is POSTed.
 */
describe('#7 callback SSRF: non-public callback destinations are refused by default', () => {
  const h = new AsyncHarness();
  const internal = new CallbackReceiver();
  /** A name of this machine that DNS resolves to a refused address (the gateway cannot tell from the name). */
  let localName = '';
  let localAddress = '';

  beforeAll(async () => {
    localName = hostname();
    localAddress = (await lookup(localName)).address;
    // The test needs a name that resolves to a non-public address, as a rebinding or internal name would.
    expect(CallbackPolicy.parse('').addressProblem(localAddress)).toBeDefined();
    await h.connect();
    await internal.start();
    await h.deploy('echo');
    h.replica('echo', (req) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: req.body }));
    // No SKIFF_CALLBACK_ALLOW: the defaults, as `npm start` runs them.
    await h.startGateway({ SKIFF_CALLBACK_ALLOW: '' });
    await h.startWorker({ SKIFF_CALLBACK_ALLOW: '' });
  });

  afterAll(async () => {
    await h.close();
    await internal.stop();
  });

  const port = () => new URL(internal.url).port;
  const attack = '{"action":"attacker-chosen JSON body"}';

  it('refuses literal loopback, link-local (metadata), private, CGNAT, multicast and IPv6/IPv4-mapped forms with 400, and stores nothing', async () => {
    const targets = [
      `http://127.0.0.1:${port()}/internal/admin/delete-everything?confirm=yes`,
      `http://localhost:${port()}/internal`,
      `http://127.1:${port()}/internal`,
      `http://2130706433:${port()}/internal`,
      `http://0x7f.0.0.1:${port()}/internal`,
      `http://0.0.0.0:${port()}/internal`,
      `http://[::1]:${port()}/internal`,
      `http://[::ffff:127.0.0.1]:${port()}/internal`,
      `http://[::ffff:a9fe:a9fe]/latest/meta-data/`,
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      'http://10.0.0.1/',
      'http://172.16.5.4/',
      'http://192.168.0.1/',
      'http://100.64.0.1/',
      'http://224.0.0.1/',
      'http://[fe80::1]/',
      'http://[fd00::1]/',
    ];
    for (const [i, target] of targets.entries()) {
      const res = await h.submit('/async-function/echo', {
        body: attack,
        headers: { 'X-Callback-Url': target, 'X-Call-Id': `ssrf-literal-${i}` },
      });
      expect({ target, status: res.status }).toEqual({ target, status: 400 });
      expect(await res.text()).toMatch(/SKIFF_CALLBACK_ALLOW/);
      expect(await h.status(`ssrf-literal-${i}`)).toBeUndefined();
    }
    expect(internal.received).toEqual([]);
  });

  it('checks the address a name resolves to: the call runs, the callback is refused after DNS and recorded as rejected', async () => {
    const target = `http://${localName}:${port()}/internal/admin`;
    const res = await h.submit('/async-function/echo', {
      body: attack,
      headers: { 'X-Callback-Url': target, 'X-Call-Id': 'ssrf-by-name' },
    });
    expect(res.status).toBe(202);
    const done = await waitFor(
      'the callback outcome',
      async () => {
        const s = await h.status('ssrf-by-name');
        return s?.callback ? s : undefined;
      },
      60_000,
      200,
    );
    expect(done).toMatchObject({ state: 'succeeded', callback: { outcome: 'rejected', error: expect.stringContaining(localAddress) } });
    expect(internal.received).toEqual([]);
  });
});

describe('#7 SKIFF_CALLBACK_ALLOW opens what the operator lists, and nothing else', () => {
  const h = new AsyncHarness();
  const allowed = new CallbackReceiver();
  const internal = new CallbackReceiver();
  const localName = hostname();

  beforeAll(async () => {
    await h.connect();
    await allowed.start();
    await internal.start();
    // The allowed receiver redirects every callback to the other loopback listener.
    allowed.status = () => 307;
    allowed.headers = () => ({ location: internal.url });
    await h.deploy('echo');
    h.replica('echo', (req) => ({ status: 200, body: req.body }));
    // Only the machine's name is allowed, not the loopback range.
    await h.startGateway({ SKIFF_CALLBACK_ALLOW: localName });
    await h.startWorker({ SKIFF_CALLBACK_ALLOW: localName });
  });

  afterAll(async () => {
    await h.close();
    await allowed.stop();
    await internal.stop();
  });

  it('delivers to the allowed name, follows no redirect, and still refuses the loopback address itself', async () => {
    const direct = await h.submit('/async-function/echo', {
      body: 'x',
      headers: { 'X-Callback-Url': internal.url, 'X-Call-Id': 'allow-direct' },
    });
    expect(direct.status).toBe(400);

    const target = `http://${localName}:${new URL(allowed.url).port}/cb`;
    const res = await h.submit('/async-function/echo', {
      body: 'to-the-allowed-name',
      headers: { 'X-Callback-Url': target, 'X-Call-Id': 'allow-name' },
    });
    expect(res.status).toBe(202);
    await waitFor('the allowed callback', () => allowed.of('allow-name').length > 0, 60_000);
    expect(allowed.of('allow-name').map((c) => c.body)).toEqual(['to-the-allowed-name']);
    await h.waitState('allow-name', 'succeeded');
    expect(internal.received).toEqual([]);
  });
});
