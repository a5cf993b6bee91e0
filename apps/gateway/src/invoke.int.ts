import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import { connect, KV, Msg, NatsConnection, Subscription } from 'nats';
import { FunctionRecord, subjects } from '@skiff/contracts';
import { decodeInvokeRequest, encodeInvokeResponse, InvokeResponse } from '@skiff/invoke';
import { encodeFunctionRecord, openFunctionsBucket } from '@skiff/nats';
import { HttpClient, Platform, testNatsOptions, waitFor } from '@skiff/testing';

// Real processes start and stop here; jest 30 applies only the global testTimeout, so set it per file.
jest.setTimeout(120_000);

const NS = 'openfaas-fn';
const BODY_LIMIT = 65_536;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** What the echo function saw. */
interface Echoed {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[]>;
  bodyLength: number;
  bodySha256: string;
  namespace: string;
}

function record(name: string, namespace = NS, envVars?: Record<string, string>): FunctionRecord {
  const now = new Date().toISOString();
  return { spec: { service: name, image: 'test/echo', namespace, envVars }, replicas: 1, createdAt: now, updatedAt: now };
}

function respond(msg: Msg, res: InvokeResponse): void {
  const { headers, data } = encodeInvokeResponse(res);
  msg.respond(data, { headers });
}

/** A genuine replica: answers invoke requests over NATS with the invoke codec, as a watchdog does. */
function echoReplica(nc: NatsConnection, name: string, namespace: string): Subscription {
  return nc.subscribe(subjects.invoke(namespace, name), {
    queue: subjects.queues.invoke(namespace, name),
    callback: (_err, msg) => {
      const req = decodeInvokeRequest(msg);
      if (req.path === '/redirect') return respond(msg, { status: 302, headers: { Location: '/elsewhere' }, body: new Uint8Array() });
      if (req.path === '/fail') {
        return respond(msg, {
          status: 500,
          headers: { 'Content-Type': 'text/plain' },
          body: Buffer.from('handler crashed'),
          internal: 'watchdog',
        });
      }
      const echoed: Echoed = {
        method: req.method,
        path: req.path,
        query: req.query,
        headers: req.headers,
        bodyLength: req.body.byteLength,
        bodySha256: createHash('sha256').update(req.body).digest('hex'),
        namespace,
      };
      respond(msg, {
        status: 200,
        headers: { 'Content-Type': 'application/json', 'X-Echo': 'yes', Connection: 'close', 'Skiff-Leak': 'x' },
        body: Buffer.from(JSON.stringify(echoed)),
      });
    },
  });
}

describe('gateway sync invoke (real gateway process, real NATS)', () => {
  let nc: NatsConnection;
  let kv: KV;
  let platform: Platform;
  let http: HttpClient;
  const subs: Subscription[] = [];

  beforeAll(async () => {
    nc = await connect(testNatsOptions());
    kv = await openFunctionsBucket(nc, subjects);
    await kv.put(subjects.functionKey(NS, 'echo'), encodeFunctionRecord(record('echo')));
    await kv.put(subjects.functionKey('team', 'echo'), encodeFunctionRecord(record('echo', 'team')));
    // Wants a replica that never comes (no provider here): the call waits for one until its own timeout.
    await kv.put(subjects.functionKey(NS, 'lonely'), encodeFunctionRecord(record('lonely', NS, { exec_timeout: '1s' })));
    await kv.put(subjects.functionKey(NS, 'sleepy'), encodeFunctionRecord(record('sleepy', NS, { exec_timeout: '1s' })));
    subs.push(echoReplica(nc, 'echo', NS), echoReplica(nc, 'echo', 'team'));
    // Takes the call and never answers.
    subs.push(nc.subscribe(subjects.invoke(NS, 'sleepy'), { queue: subjects.queues.invoke(NS, 'sleepy') }));
    await nc.flush();
    platform = await Platform.start({ services: ['gateway'], serviceEnv: { gateway: { SKIFF_MAX_BODY_BYTES: String(BODY_LIMIT) } } });
    http = platform.client();
  });

  afterAll(async () => {
    await platform?.stop();
    subs.forEach((s) => s.unsubscribe());
    // Platform.stop removed every stream of the test's prefix, this bucket's included.
    await kv?.destroy().catch(() => undefined);
    await nc?.close();
  });

  it('relays method, path, query, headers and body to the function and its answer back', async () => {
    const body = Buffer.from('hello function');
    const res = await http.post('/function/echo/a/b?x=1&y=two', body, {
      headers: { 'Content-Type': 'text/plain', 'X-Custom': 'abc', 'Skiff-Path': '/evil', 'Skiff-Timeout-Ms': '1' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-echo')).toBe('yes');
    expect(res.headers.get('skiff-leak')).toBeNull();
    const seen = res.json<Echoed>();
    expect(seen).toMatchObject({ method: 'POST', path: '/a/b', query: 'x=1&y=two', namespace: NS, bodyLength: body.length });
    expect(seen.bodySha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(seen.headers['x-custom']).toBe('abc');
    expect(seen.headers['content-type']).toBe('text/plain');
    expect(Object.keys(seen.headers).filter((h) => h.toLowerCase().startsWith('skiff-'))).toEqual([]);
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-host']).toBe(`127.0.0.1:${platform.ports.gateway}`);
  });

  it('keeps every method and routes name.namespace to that namespace', async () => {
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      const res = await http.request(method, '/function/echo.team/');
      expect(res.status).toBe(200);
      expect(res.json<Echoed>()).toMatchObject({ method, namespace: 'team', path: '/' });
    }
    const head = await http.request('HEAD', '/function/echo');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });

  it('generates an X-Call-Id (UUID v4) and sends it to the function and the caller', async () => {
    const res = await http.get('/function/echo');
    const callId = res.headers.get('x-call-id');
    expect(callId).toMatch(UUID_V4);
    expect(res.json<Echoed>().headers['x-call-id']).toBe(callId);
  });

  it("keeps the caller's X-Call-Id", async () => {
    const res = await http.get('/function/echo', { headers: { 'X-Call-Id': 'my-call-42' } });
    expect(res.headers.get('x-call-id')).toBe('my-call-42');
    expect(res.json<Echoed>().headers['x-call-id']).toBe('my-call-42');
  });

  it('adds X-Start-Time in Unix nanoseconds and X-Duration-Seconds', async () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const res = await http.get('/function/echo');
    const after = BigInt(Date.now()) * 1_000_000n;
    const start = res.headers.get('x-start-time') ?? '';
    expect(start).toMatch(/^\d{19}$/);
    expect(BigInt(start) >= before - 1_000_000n && BigInt(start) <= after).toBe(true);
    expect(res.json<Echoed>().headers['x-start-time']).toBe(start);
    const duration = Number(res.headers.get('x-duration-seconds'));
    expect(Number.isFinite(duration) && duration >= 0).toBe(true);
  });

  it('passes a 302 through without following it', async () => {
    const res = await http.get('/function/echo/redirect');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/elsewhere');
  });

  it("relays a function's error status and marks platform-made answers", async () => {
    const res = await http.get('/function/echo/fail');
    expect(res.status).toBe(500);
    expect(res.text).toBe('handler crashed');
    expect(res.headers.get('x-openfaas-internal')).toBe('watchdog');
  });

  it('answers 404 for an unknown function without asking anyone', async () => {
    const res = await http.get('/function/nope');
    expect(res.status).toBe(404);
    expect(res.text).toBe(`function not found: nope.${NS}`);
    expect((await http.get('/function/echo.elsewhere')).text).toBe('function not found: echo.elsewhere');
  });

  it('answers 503 with a reason when no replica of the function becomes ready within its timeout', async () => {
    const res = await http.post('/function/lonely', 'x');
    expect(res.status).toBe(503);
    expect(res.text).toContain('lonely');
    expect(res.headers.get('x-openfaas-internal')).toBe('gateway');
  });

  it("answers 504 at the function's own timeout when the replica never answers", async () => {
    // The gateway's upstream timeout is 60 s and the client gives up after 30 s: only exec_timeout (1 s) can pass this.
    const res = await http.post('/function/sleepy', 'x', { timeoutMs: 30_000 });
    expect(res.status).toBe(504);
    expect(res.text).toContain('sleepy');
  });

  it('accepts a body up to the limit and answers 413 naming the limit above it', async () => {
    const fits = Buffer.alloc(BODY_LIMIT, 7);
    const ok = await http.post('/function/echo', fits, { headers: { 'Content-Type': 'application/octet-stream' } });
    expect(ok.status).toBe(200);
    expect(ok.json<Echoed>().bodyLength).toBe(BODY_LIMIT);
    const res = await http.post('/function/echo', Buffer.alloc(BODY_LIMIT + 1), { headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(res.text).toContain(`${BODY_LIMIT} bytes`);
  });

  it('never parses the body: invalid JSON reaches the function as is', async () => {
    const res = await http.post('/function/echo', '{not json', { headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.json<Echoed>().bodyLength).toBe(9);
  });

  it.each([
    ['/function/Echo', 'function name "Echo"'],
    ['/function/a.b.c', 'function name "a.b"'],
    ['/function/echo.', 'namespace is empty'],
    ['/function/', 'function name is empty'],
    ['/function/ec_ho', 'function name "ec_ho"'],
    [`/function/${'a'.repeat(64)}`, 'longer than 63'],
  ])('answers 404 "not found" with the reason for %s (as the OpenFaaS gateway)', async (path, reason) => {
    const res = await http.get(path);
    expect(res.status).toBe(404);
    expect(res.text).toContain('function not found');
    expect(res.text).toContain(reason);
  });

  it('follows the registry: a function registered or removed later is seen without a restart', async () => {
    expect((await http.get('/function/late')).status).toBe(404);
    subs.push(echoReplica(nc, 'late', NS));
    await kv.put(subjects.functionKey(NS, 'late'), encodeFunctionRecord(record('late')));
    await waitFor('late to be callable', async () => (await http.get('/function/late')).status === 200);
    await kv.delete(subjects.functionKey(NS, 'late'));
    await waitFor('late to be gone', async () => (await http.get('/function/late')).status === 404);
  });

  it('answers /system calls with 503 and a reason when no provider runs, after validating locally', async () => {
    const list = await http.get('/system/functions');
    expect(list.status).toBe(503);
    expect(list.headers.get('content-type')).toContain('text/plain');
    expect(list.text).toContain('provider.function.list');
    expect((await http.post('/system/functions', { service: 'Bad.Name', image: 'x' })).status).toBe(400);
  });

  it('redirects / to the portal with a 307', async () => {
    const res = await http.get('/');
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe('/ui/');
  });

  it('reports the registry watch in /healthz and stays up', async () => {
    const res = await http.get('/healthz');
    expect(res.status).toBe(200);
    expect(res.json<{ checks: Record<string, string> }>().checks.registry).toBe('ok');
    expect(platform.crashed()).toEqual([]);
  });
});
