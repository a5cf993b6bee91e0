// Attacker tests of the gateway's resource limits (security audit #9 (a)(b)), as an anonymous client
// that holds connections open the cheap way: headers dripped a line at a time (slowloris), a body
// dripped a byte at a time, more connections than the cap. No assertion on speed: only that the
// server ends what it must end within a generous bound, and that normal calls still work afterwards.
// Streamed bodies (stalled uploads, async bodies) are gateway-streamed-bodies.e2e.ts.
import { ClientRequest, request as httpRequest } from 'node:http';
import { Platform, basicAuthHeader, openSocket, rawHttp, socketClosed, waitFor } from '@skiff/testing';
import { CUT_WITHIN_MS, drip, within } from './slow-clients';

jest.setTimeout(300_000);

const HEADERS_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 5000;
const MAX_CONNECTIONS = 24;
describe('gateway limits (#9)', () => {
  let platform: Platform;
  let port: number;

  beforeAll(async () => {
    platform = await Platform.start({
      serviceEnv: {
        gateway: {
          SKIFF_GATEWAY_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
          SKIFF_GATEWAY_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
          SKIFF_GATEWAY_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
        },
      },
    });
    port = platform.ports.gateway;
    await platform.deployEcho();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('#9 cuts connections whose headers are dripped a line at a time (slowloris)', async () => {
    const sockets = await Promise.all([0, 1, 2].map(() => openSocket(port)));
    let n = 0;
    const results = await Promise.all(
      sockets.map((s) => drip(s, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', () => `X-Drip-${n++}: a\r\n`, 500)),
    );
    for (const r of results) expect(r.answer).not.toMatch(/^HTTP\/1\.1 200/);
    expect((await rawHttp(port, { target: '/healthz' })).status).toBe(200);
  });

  it('#9 cuts a connection that opens and sends nothing', async () => {
    const socket = await openSocket(port);
    const outcome = await within(socketClosed(socket), CUT_WITHIN_MS);
    socket.destroy();
    expect(outcome).not.toBeUndefined();
  });

  it.each([
    ['/function/echo', {}],
    ['/async-function/echo', {}],
    ['/system/functions', { ...basicAuthHeader(), 'Content-Type': 'application/json' }],
  ])('#9 cuts a body sent to %s one byte at a time', async (target, extra: Record<string, string>) => {
    const socket = await openSocket(port);
    const head = [
      `POST ${target} HTTP/1.1`,
      'Host: 127.0.0.1',
      'Content-Length: 100000',
      ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
      '',
      '',
    ].join('\r\n');
    const result = await drip(socket, head, () => '{', 1000);
    expect(result.answer).not.toMatch(/^HTTP\/1\.1 2/);
    expect((await rawHttp(port, { method: 'POST', target: '/function/echo', body: 'still here' })).text).toBe('still here');
  });

  it('#9 refuses connections over the cap and serves normal calls once they are gone', async () => {
    // Each log follow is a complete request that streams until the client leaves: it holds a connection
    // without tripping any timeout, as a patient attacker's would.
    const follows: ClientRequest[] = [];
    const opened: Promise<void>[] = [];
    for (let i = 0; i < MAX_CONNECTIONS + 6; i++) {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        path: '/system/logs?name=echo&follow=true',
        headers: basicAuthHeader(),
        agent: false,
      });
      opened.push(
        new Promise<void>((resolve) => {
          req.on('response', (res) => {
            res.resume();
            resolve();
          });
          req.on('error', () => resolve());
        }),
      );
      req.end();
      follows.push(req);
    }
    await within(Promise.all(opened), 30_000);
    try {
      // The cap is shared by everyone: with it full, a newcomer is refused (the socket is closed).
      const extra = await rawHttp(port, { target: '/healthz', timeoutMs: 10_000 }).then(
        (r) => `answered ${r.status}`,
        (err: Error) => `refused: ${err.message}`,
      );
      expect(extra).toMatch(/^refused/);
    } finally {
      for (const req of follows) req.destroy();
    }
    await waitFor(
      'the gateway to serve again',
      async () => ((await rawHttp(port, { target: '/healthz' }).catch(() => ({ status: 0 }))).status === 200 ? true : undefined),
      30_000,
      250,
    );
    expect((await rawHttp(port, { method: 'POST', target: '/function/echo', body: 'after' })).text).toBe('after');
  });

  it('does not cut a call that takes longer than the request timeout once its request is in', async () => {
    expect((await platform.client().post('/system/functions', { service: 'slow', image: 'any', envProcess: 'sleep 7' })).status).toBe(202);
    await waitFor(
      'slow to be ready',
      async () =>
        (await platform.client().get('/system/function/slow')).json<{ availableReplicas?: number }>().availableReplicas ? true : undefined,
      90_000,
      250,
    );
    const reply = await rawHttp(port, { method: 'POST', target: '/function/slow', body: 'late', timeoutMs: 60_000 });
    expect(reply.status).toBe(200);
  });
});
