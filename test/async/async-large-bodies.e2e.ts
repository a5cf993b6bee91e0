import 'reflect-metadata';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { headers as natsHeaders } from 'nats';
import { ASYNC_HEADERS, subjects } from '@skiff/contracts';
import { AsyncBodyStore } from '@skiff/async';
import { basicAuthHeader, waitFor } from '@skiff/testing';
import { AsyncHarness, CallbackReceiver } from './harness';

jest.setTimeout(180_000);

const MiB = 1024 * 1024;
const BODY_LIMIT = 6 * MiB;
const STORE = { resultTtlMs: 3_600_000, deadLetterMaxAgeMs: 3_600_000 };

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('async invocation: bodies larger than one NATS message', () => {
  const h = new AsyncHarness();
  const callbacks = new CallbackReceiver();
  let bodies: AsyncBodyStore;
  let healed = false;
  const workerEnv = { SKIFF_QUEUE_RETRY_MIN_WAIT_MS: '50', SKIFF_QUEUE_RETRY_MAX_WAIT_MS: '200' };

  beforeAll(async () => {
    await h.connect();
    await callbacks.start();
    // The function answers with the digest and size of what it received.
    await h.deploy('digest');
    await h.deploy('broken', { 'com.openfaas.retry.attempts': '2' });
    h.replica('digest', (req) => ({ status: 200, body: Buffer.from(`${sha256(req.body)}:${req.body.length}`) }));
    h.replica('broken', (req) => (healed ? { status: 200, body: Buffer.from(`${sha256(req.body)}:${req.body.length}`) } : { status: 503 }));
    await h.startGateway({ SKIFF_MAX_BODY_BYTES: String(BODY_LIMIT) });
    await h.startWorker(workerEnv);
    bodies = await AsyncBodyStore.open(h.nc, subjects, STORE);
  });

  afterAll(async () => {
    await h.close();
    await callbacks.stop();
  });

  it('takes a 5 MiB body, stores it out of line, delivers it intact and removes it once the call is over', async () => {
    const body = randomBytes(5 * MiB);
    const res = await h.submit('/async-function/digest', {
      body,
      headers: { 'X-Callback-Url': callbacks.url, 'Content-Type': 'application/octet-stream' },
    });
    expect(res.status).toBe(202);
    const callId = res.headers.get('x-call-id')!;
    const expected = `${sha256(body)}:${body.length}`;
    const [cb] = await waitFor('the callback', () => (callbacks.of(callId).length ? callbacks.of(callId) : undefined), 60_000);
    expect(cb.body).toBe(expected);
    expect(await h.waitState(callId, 'succeeded')).toMatchObject({ statusCode: 200, body: expected });
    await waitFor('the stored body to be removed', async () => !(await bodies.list()).some((n) => n.startsWith(`${callId}.`)), 30_000, 200);
  });

  it('delivers a queued callback whose body is stored out of line, then removes it', async () => {
    // What a worker queues when the function's answer is too large for one message and the first POST failed.
    const body = randomBytes(3 * MiB)
      .toString('hex')
      .slice(0, 3 * MiB);
    const ref = await bodies.put('cb.big-callback', Buffer.from(body));
    const hdrs = natsHeaders();
    hdrs.set(ASYNC_HEADERS.callbackUrl, callbacks.url);
    hdrs.set(ASYNC_HEADERS.callId, 'big-callback');
    hdrs.set(ASYNC_HEADERS.callbackTries, '1');
    hdrs.set(ASYNC_HEADERS.bodyRef, ref);
    hdrs.set('X-Call-Id', 'big-callback');
    hdrs.set('X-Function-Status', '200');
    await h.nc.jetstream().publish(subjects.asyncCallback('openfaas-fn', 'digest'), new Uint8Array(0), { headers: hdrs });
    const [cb] = await waitFor(
      'the callback',
      () => (callbacks.of('big-callback').length ? callbacks.of('big-callback') : undefined),
      60_000,
    );
    expect(cb.body.length).toBe(body.length);
    expect(cb.body === body).toBe(true);
    expect(cb.headers['x-function-status']).toBe('200');
    expect(cb.headers['skiff-body-ref']).toBeUndefined();
    await waitFor('the callback body to be removed', async () => !(await bodies.list()).includes(ref), 30_000, 200);
  });

  it('answers 413 above the limit and stores nothing', async () => {
    const before = await bodies.list();
    // The gateway answers as soon as it sees Content-Length, before the upload ends: read the answer
    // with a plain client that does not give up when the rest of its upload is refused.
    const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        `${h.gatewayUrl}/async-function/digest`,
        { method: 'POST', headers: { 'content-length': String(BODY_LIMIT + 1), 'x-call-id': 'too-large' } },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('end', () => {
            resolve({ status: answer.statusCode ?? 0, text: Buffer.concat(chunks).toString() });
            req.destroy();
          });
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
      req.write(randomBytes(MiB));
    });
    expect(res.status).toBe(413);
    expect(res.text).toContain(String(BODY_LIMIT));
    expect(await h.status('too-large')).toBeUndefined();
    expect(await bodies.list()).toEqual(before);
  });

  it('keeps the body of a dead letter for its replay, and drops it with the dead letter', async () => {
    const body = randomBytes(2 * MiB);
    const res = await h.submit('/async-function/broken', { body, headers: { 'X-Call-Id': 'big-dead' } });
    expect(res.status).toBe(202);
    await h.waitState('big-dead', 'dead-lettered', 60_000);
    expect((await bodies.list()).filter((n) => n.startsWith('big-dead.'))).toHaveLength(1);
    const list = async () =>
      (await (await fetch(`${h.gatewayUrl}/system/async/dead-letters?name=broken`, { headers: basicAuthHeader() })).json()) as Array<{
        id: number;
        callId: string;
      }>;
    const [dead] = (await list()).filter((d) => d.callId === 'big-dead');

    healed = true;
    expect(
      (await fetch(`${h.gatewayUrl}/system/async/dead-letters/${dead.id}/replay`, { method: 'POST', headers: basicAuthHeader() })).status,
    ).toBe(202);
    expect(await h.waitState('big-dead', 'succeeded', 60_000)).toMatchObject({ body: `${sha256(body)}:${body.length}` });
    await waitFor(
      "the replayed call's body to be removed",
      async () => !(await bodies.list()).some((n) => n.startsWith('big-dead.')),
      30_000,
      200,
    );

    healed = false;
    await h.submit('/async-function/broken', { body, headers: { 'X-Call-Id': 'big-dropped' } });
    await h.waitState('big-dropped', 'dead-lettered', 60_000);
    const [dropped] = (await list()).filter((d) => d.callId === 'big-dropped');
    expect(
      (await fetch(`${h.gatewayUrl}/system/async/dead-letters/${dropped.id}`, { method: 'DELETE', headers: basicAuthHeader() })).status,
    ).toBe(204);
    expect((await bodies.list()).filter((n) => n.startsWith('big-dropped.'))).toEqual([]);
  });

  it('removes the body of a cancelled call, and dead-letters a call whose body is gone with the reason', async () => {
    for (const p of h.processes.filter((p) => p.name === 'queue-worker')) await p.stop('SIGTERM');
    const body = randomBytes(2 * MiB);
    expect((await h.submit('/async-function/digest', { body, headers: { 'X-Call-Id': 'big-cancelled' } })).status).toBe(202);
    expect((await h.submit('/async-function/digest', { body, headers: { 'X-Call-Id': 'big-lost' } })).status).toBe(202);
    expect((await fetch(`${h.gatewayUrl}/async-function/big-cancelled`, { method: 'DELETE', headers: basicAuthHeader() })).status).toBe(
      202,
    );
    for (const name of (await bodies.list()).filter((n) => n.startsWith('big-lost.'))) await bodies.remove(name);
    await h.startWorker(workerEnv);
    expect(String((await h.waitState('big-lost', 'dead-lettered', 60_000)).error)).toContain('no longer stored');
    await waitFor(
      "the cancelled call's body to be removed",
      async () => !(await bodies.list()).some((n) => n.startsWith('big-cancelled.')),
      30_000,
      200,
    );
    expect((await h.status('big-cancelled'))?.state).toBe('cancelled');
  });
});
