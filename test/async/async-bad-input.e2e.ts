import 'reflect-metadata';
import { headers as natsHeaders } from 'nats';
import { subjects } from '@skiff/contracts';
import { basicAuthHeader, waitFor } from '@skiff/testing';
import { AsyncHarness } from './harness';

jest.setTimeout(180_000);

const BODY_LIMIT = 4096;

describe('async invocation: bad input', () => {
  const h = new AsyncHarness();
  const served: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const workerEnv = { SKIFF_QUEUE_RETRY_MIN_WAIT_MS: '100', SKIFF_QUEUE_RETRY_MAX_WAIT_MS: '300', SKIFF_QUEUE_SWEEP_INTERVAL_MS: '1000' };

  const deadLetters = async (query: string) =>
    (await (await fetch(`${h.gatewayUrl}/system/async/dead-letters?${query}`, { headers: basicAuthHeader() })).json()) as Array<
      Record<string, unknown>
    >;

  beforeAll(async () => {
    await h.connect();
    await h.deploy('ok');
    await h.deploy('doomed', { 'com.openfaas.queue.max_inflight': '1' });
    await h.deploy('orphaned');
    h.replica('ok', (req) => {
      served.push(req.headers['x-call-id'] as string);
      return { status: 200, body: req.body };
    });
    h.replica('doomed', async () => {
      await gate;
      return { status: 200 };
    });
    await h.startGateway({ SKIFF_MAX_BODY_BYTES: String(BODY_LIMIT) });
    await h.startWorker(workerEnv);
  });

  afterAll(async () => {
    release();
    await h.close();
  });

  it('answers 413 above the body limit and takes a body at the limit', async () => {
    const over = await h.submit('/async-function/ok', { body: 'x'.repeat(BODY_LIMIT + 1), headers: { 'X-Call-Id': 'too-big' } });
    expect(over.status).toBe(413);
    expect(await over.text()).toContain(String(BODY_LIMIT));
    expect(await h.status('too-big')).toBeUndefined();
    const at = await h.submit('/async-function/ok', { body: 'y'.repeat(BODY_LIMIT), headers: { 'X-Call-Id': 'at-limit' } });
    expect(at.status).toBe(202);
    expect(await h.waitState('at-limit', 'succeeded')).toMatchObject({ body: 'y'.repeat(BODY_LIMIT) });
  });

  it('refuses huge headers with a 4xx and keeps serving', async () => {
    const res = await h.submit('/async-function/ok', { body: 'x', headers: { 'X-Huge': 'h'.repeat(64 * 1024) } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await h.submit('/async-function/ok', { body: 'x' })).status).toBe(202);
  });

  it('answers 400 for a bad call id or a repeated callback header, 404 for a name that cannot be a function', async () => {
    expect((await h.submit('/async-function/ok', { headers: { 'X-Call-Id': 'has space' } })).status).toBe(400);
    expect((await h.submit('/async-function/ok', { headers: { 'X-Call-Id': 'x'.repeat(200) } })).status).toBe(400);
    expect((await h.submit('/async-function/Not_A_Name')).status).toBe(404);
    expect((await h.submit('/async-function/')).status).toBe(404);
    const hdrs = new Headers();
    hdrs.append('X-Callback-Url', 'http://a.example/');
    hdrs.append('X-Callback-Url', 'http://b.example/');
    const twice = await h.submit('/async-function/ok', { headers: hdrs });
    // fetch joins repeated headers with ", ", which is not a URL: 400 either way.
    expect(twice.status).toBe(400);
    expect((await fetch(`${h.gatewayUrl}/system/async/dead-letters?limit=0`, { headers: basicAuthHeader() })).status).toBe(400);
    expect((await fetch(`${h.gatewayUrl}/system/async/dead-letters?name=Bad_Name`, { headers: basicAuthHeader() })).status).toBe(400);
  });

  it('dead-letters the queued calls of a function deleted meanwhile, with the reason, and removes its consumer', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await h.submit('/async-function/doomed', { body: `${i}` })).headers.get('x-call-id')!);
    await h.waitState(ids[0], 'running');
    await h.remove('doomed');
    release();
    for (const id of ids.slice(1)) {
      const s = await h.waitState(id, 'dead-lettered');
      expect(String(s.error)).toContain('doomed.openfaas-fn was deleted');
    }
    const dl = await deadLetters('name=doomed');
    expect(dl).toHaveLength(3);
    expect(dl.every((d) => String(d.reason).includes('was deleted'))).toBe(true);
    const jsm = await h.nc.jetstreamManager();
    await waitFor(
      'the consumer of the deleted function to be removed',
      async () => !(await jsm.consumers.info(subjects.asyncStream, subjects.asyncConsumer('openfaas-fn', 'doomed')).catch(() => undefined)),
      30_000,
      200,
    );
  });

  it('dead-letters calls of a function deleted while no queue-worker was running', async () => {
    const worker = h.processes.find((p) => p.name === 'queue-worker' && p.running)!;
    await worker.stop('SIGTERM');
    const id = (await h.submit('/async-function/orphaned', { body: 'o' })).headers.get('x-call-id')!;
    await h.remove('orphaned');
    await h.startWorker(workerEnv);
    expect(String((await h.waitState(id, 'dead-lettered', 60_000)).error)).toContain('orphaned.openfaas-fn was deleted');
  });

  it('dead-letters a poison message (no call id, no method) at once and keeps serving', async () => {
    const js = h.nc.jetstream();
    await js.publish(subjects.asyncCall('openfaas-fn', 'ok'), new TextEncoder().encode('garbage'));
    const hdr = natsHeaders();
    hdr.set('Skiff-Call-Id', 'poison-2');
    await js.publish(subjects.asyncCall('openfaas-fn', 'ok'), new TextEncoder().encode('no method'), { headers: hdr });
    await waitFor(
      'two poison dead letters',
      async () => (await deadLetters('name=ok')).filter((d) => String(d.reason).includes('unreadable')).length === 2,
      30_000,
      200,
    );
    const res = await h.submit('/async-function/ok', { body: 'still fine' });
    await h.waitState(res.headers.get('x-call-id')!, 'succeeded');
    const poison = (await deadLetters('name=ok')).find((d) => d.callId === 'poison-2')!;
    expect(
      (await fetch(`${h.gatewayUrl}/system/async/dead-letters/${poison.id}/replay`, { method: 'POST', headers: basicAuthHeader() })).status,
    ).toBe(400);
  });

  it('answers 503 (never 202) when the async stream cannot store the call, and recovers once it is back', async () => {
    // No worker meanwhile: its sweep would re-create the stream before the call arrives.
    for (const p of h.processes.filter((p) => p.name === 'queue-worker')) await p.stop('SIGTERM');
    const jsm = await h.nc.jetstreamManager();
    await jsm.streams.delete(subjects.asyncStream);
    const res = await h.submit('/async-function/ok', { body: 'x', headers: { 'X-Call-Id': 'not-stored' } });
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('not stored');
    expect(await h.status('not-stored')).toBeUndefined();
    // The gateway re-creates the stream on the next call, the worker its consumers when it starts.
    const again = await h.submit('/async-function/ok', { body: 'x', headers: { 'X-Call-Id': 'stored-again' } });
    expect(again.status).toBe(202);
    await h.startWorker(workerEnv);
    await h.waitState('stored-again', 'succeeded', 60_000);
  });
});
