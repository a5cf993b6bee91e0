// InvokeClient against a real NATS server, with replicas served from this process: what it sends
// (deadline, stream acceptance, claim, cancel token), large bodies pulled by the replica, the 429
// retry only for the platform's own 429, and the errors it maps (no replicas, timeout).
import 'reflect-metadata';
import { connect, Msg, NatsConnection, Subscription } from 'nats';
import { ERROR_CODES, subjects } from '@skiff/contracts';
import { INVOKE_HEADERS, OPENFAAS_INTERNAL_HEADER } from '@skiff/contracts/invoke-protocol';
import { testNatsOptions, waitFor } from '@skiff/testing';
import { pullBody } from './body-stream';
import { decodeInvokeRequest, encodeInvokeResponse } from './invoke-codec';
import { InvokeClient } from './invoke-client';
import type { InvokeRequest, InvokeResponse } from './invoke.types';

const NS = 'openfaas-fn';
const req = (body: string | Buffer = ''): InvokeRequest => ({ method: 'POST', path: '/', query: '', headers: {}, body: Buffer.from(body) });
const text = (res: InvokeResponse) => Buffer.from(res.body).toString();

describe('InvokeClient (real NATS, replicas in this process)', () => {
  let nc: NatsConnection;
  let client: InvokeClient;
  const subs: Subscription[] = [];

  beforeAll(async () => {
    nc = await connect(testNatsOptions());
    client = new InvokeClient(nc, subjects);
  });

  afterAll(async () => {
    for (const s of subs) s.unsubscribe();
    await nc.drain();
  });

  /** A replica of `name` answering with `answer(msg)` (or not at all when it returns undefined). */
  async function replica(name: string, answer: (msg: Msg) => Promise<InvokeResponse | undefined> | InvokeResponse | undefined) {
    subs.push(
      nc.subscribe(subjects.invoke(NS, name), {
        queue: subjects.queues.invoke(NS, name),
        callback: (_err, msg) =>
          void Promise.resolve(answer(msg)).then((res) => {
            if (!res) return;
            const { headers, data } = encodeInvokeResponse(res);
            msg.respond(data, { headers });
          }),
      }),
    );
    await nc.flush();
  }

  it("sends the call with the time left, stream acceptance and the caller's claim subject, and decodes the answer", async () => {
    const seen: Record<string, string | undefined>[] = [];
    await replica('echo', (msg) => {
      seen.push({
        timeout: msg.headers?.get(INVOKE_HEADERS.timeoutMs),
        accept: msg.headers?.get(INVOKE_HEADERS.acceptStream),
        claim: msg.headers?.get(INVOKE_HEADERS.claim),
      });
      return { status: 201, headers: { 'X-Answer': 'yes' }, body: decodeInvokeRequest(msg).body };
    });
    const res = await client.invoke({ name: 'echo', namespace: NS }, req('hello'), { timeoutMs: 4_000, claim: 'claim.subject' });
    expect(res.status).toBe(201);
    expect(text(res)).toBe('hello');
    expect(res.headers['X-Answer'] ?? res.headers['x-answer']).toBe('yes');
    expect(seen).toHaveLength(1);
    expect(Number(seen[0].timeout)).toBeGreaterThan(0);
    expect(Number(seen[0].timeout)).toBeLessThanOrEqual(4_000);
    expect(seen[0]).toMatchObject({ accept: '1', claim: 'claim.subject' });
  });

  it('keeps a body larger than one message here: the replica pulls it whole by the subject it is given', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'a');
    let pulledFrom: string | undefined;
    await replica('big-in', async (msg) => {
      pulledFrom = msg.headers?.get(INVOKE_HEADERS.bodyPull);
      expect(msg.headers?.get(INVOKE_HEADERS.bodySize)).toBe(String(big.length));
      const body = await pullBody(nc, pulledFrom!, 8 * 1024 * 1024, Date.now() + 20_000);
      return { status: 200, headers: {}, body: Buffer.from(String(body.length)) };
    });
    const res = await client.invoke({ name: 'big-in', namespace: NS }, req(big), { timeoutMs: 30_000 });
    expect(text(res)).toBe(String(big.length));
    expect(pulledFrom?.startsWith(subjects.bodyPull(NS, 'big-in', ''))).toBe(true);
  });

  it("retries the watchdog's own 429 overloadRetries times, never a function's 429 (even one that sends X-OpenFaaS-Internal)", async () => {
    let platform = 0;
    let functions = 0;
    await replica('busy', () => (platform++, { status: 429, headers: {}, internal: 'faas-middleware', body: Buffer.from('full') }));
    await replica(
      'rate-limited',
      () => (functions++, { status: 429, headers: { [OPENFAAS_INTERNAL_HEADER]: 'faas-middleware' }, body: Buffer.from('slow down') }),
    );
    expect((await client.invoke({ name: 'busy', namespace: NS }, req(), { timeoutMs: 10_000, overloadRetries: 2 })).status).toBe(429);
    expect(platform).toBe(3);
    expect((await client.invoke({ name: 'rate-limited', namespace: NS }, req(), { timeoutMs: 10_000, overloadRetries: 2 })).status).toBe(
      429,
    );
    expect(functions).toBe(1);
  });

  it('publishes the call token on invoke-cancel when the caller aborts', async () => {
    const tokens: string[] = [];
    subs.push(nc.subscribe(subjects.invokeCancel(NS, 'hang'), { callback: (_e, m) => tokens.push(m.string()) }));
    let sentToken: string | undefined;
    await replica('hang', (msg) => {
      sentToken = msg.headers?.get(INVOKE_HEADERS.call);
      return undefined;
    });
    const abort = new AbortController();
    const call = client.invoke({ name: 'hang', namespace: NS }, req(), { timeoutMs: 2_000, signal: abort.signal });
    await waitFor('the replica to get the call', () => sentToken !== undefined);
    abort.abort();
    await waitFor('the cancel token on the bus', () => tokens.length === 1);
    expect(tokens).toEqual([sentToken]);
    // Nobody answers: the caller still gets the timeout as the one deadline passes.
    await expect(call).rejects.toMatchObject({ code: ERROR_CODES.invokeTimeout.code });
  });

  it('maps no replica to 503 function/no-replicas without a waker', async () => {
    await expect(client.invoke({ name: 'nobody-here', namespace: NS }, req(), { timeoutMs: 5_000 })).rejects.toMatchObject({
      code: ERROR_CODES.noReplicas.code,
      status: 503,
    });
  });
});
