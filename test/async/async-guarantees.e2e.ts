import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@skiff/testing';
import { AsyncHarness, CallbackReceiver, freePort } from './harness';

jest.setTimeout(180_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

describe('async guarantees with real processes', () => {
  const h = new AsyncHarness();
  const callbacks = new CallbackReceiver();
  const runs = new Map<string, number>();
  const count = (callId: string) => runs.set(callId, (runs.get(callId) ?? 0) + 1).get(callId)!;
  let inflight = 0;
  let maxInflight = 0;
  let threeInflight: () => void = () => undefined;
  const reachedThree = new Promise<void>((resolve) => (threeInflight = resolve));

  beforeAll(async () => {
    await h.connect();
    await callbacks.start();
    await h.deploy('hang-once');
    await h.deploy('limited', { 'com.openfaas.queue.max_inflight': '3' });
    await h.deploy('slow');
    // First attempt of each call never answers (its worker gets killed); later ones answer at once.
    h.replica('hang-once', async (req) => {
      if (count(req.headers['x-call-id'] as string) === 1) await sleep(60_000);
      return { status: 200, body: Buffer.from('done') };
    });
    // No call of `limited` finishes before max_inflight (3) of them run at once: a worker that ran
    // fewer in parallel would never get there and the test would fail, not pass more slowly.
    h.replica('limited', async (req) => {
      count(req.headers['x-call-id'] as string);
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      if (inflight === 3) threeInflight();
      await reachedThree;
      await sleep(150);
      inflight--;
      return { status: 200 };
    });
    h.replica('slow', async (req) => {
      count(req.headers['x-call-id'] as string);
      await sleep(3500);
      return { status: 200, body: Buffer.from('slow done') };
    });
    await h.startGateway();
  });

  afterAll(async () => {
    await h.close();
    await callbacks.stop();
  });

  const workerEnv = { SKIFF_QUEUE_ACK_WAIT_MS: '1500', SKIFF_QUEUE_RETRY_MIN_WAIT_MS: '100', SKIFF_QUEUE_RETRY_MAX_WAIT_MS: '500' };

  it('runs a call that got 202 even when every queue-worker and the gateway are killed with SIGKILL mid-call', async () => {
    const a = await h.startWorker(workerEnv, 'worker-a');
    const b = await h.startWorker(workerEnv, 'worker-b');
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await h.submit('/async-function/hang-once', { body: `${i}`, headers: { 'X-Callback-Url': callbacks.url } });
      expect(res.status).toBe(202);
      ids.push(res.headers.get('x-call-id')!);
    }
    await waitFor('every call to be running', () => ids.every((id) => runs.get(id) === 1), 30_000);
    await Promise.all([a.stop('SIGKILL'), b.stop('SIGKILL'), h.processes[0].stop('SIGKILL')]);
    await h.startGateway();
    await h.startWorker(workerEnv, 'worker-c');
    // The delivery lost with the killed workers does not count as an attempt.
    for (const id of ids)
      expect(await h.waitState(id, 'succeeded', 60_000)).toMatchObject({ statusCode: 200, body: 'done', attempts: 1, crashes: 1 });
    for (const id of ids) {
      const cbs = await waitFor(`callback of ${id}`, () => (callbacks.of(id).length ? callbacks.of(id) : undefined));
      expect(cbs.every((c) => c.body === 'done' && c.headers['x-call-id'] === id)).toBe(true);
      expect(runs.get(id)).toBe(2);
    }
  });

  it('never runs more calls of a function at once than its max_inflight, across two queue-worker replicas', async () => {
    const workers = () => h.processes.filter((p) => p.name.startsWith('worker-') && p.running).length;
    while (workers() < 2) await h.startWorker(workerEnv, `worker-${workers() + 100}`);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await h.submit('/async-function/limited', { body: `${i}` })).headers.get('x-call-id')!);
    for (const id of ids) await h.waitState(id, 'succeeded', 60_000);
    // Both bounds: three at once were reached (the replica holds every call until they are), never a fourth.
    expect(maxInflight).toBe(3);
    expect(ids.every((id) => runs.get(id) === 1)).toBe(true);
  });

  it('completes a function taking over twice the ack wait exactly once', async () => {
    const res = await h.submit('/async-function/slow', { body: 's', headers: { 'X-Callback-Url': callbacks.url } });
    const id = res.headers.get('x-call-id')!;
    expect(await h.waitState(id, 'succeeded', 60_000)).toMatchObject({ attempts: 1, body: 'slow done' });
    await sleep(3000); // longer than an ack wait: a redelivery would have shown up by now
    expect(runs.get(id)).toBe(1);
    expect(callbacks.of(id)).toHaveLength(1);
  });
});

describe('async guarantees across a NATS server restart (own nats-server, file storage)', () => {
  let server: ChildProcess | undefined;
  let port = 0;
  let dir = '';
  let h: AsyncHarness;
  const served = new Set<string>();

  const startNats = async () => {
    server = spawn('nats-server', ['-js', '-sd', dir, '-p', String(port), '-a', '127.0.0.1'], { stdio: 'ignore' });
    await waitFor(
      'nats-server to listen',
      async () => {
        const { connect } = await import('nats');
        const nc = await connect({ servers: `nats://127.0.0.1:${port}`, reconnect: false }).catch(() => undefined);
        if (!nc) return false;
        await nc.close();
        return true;
      },
      20_000,
      100,
    );
  };
  const stopNats = async () => {
    const s = server!;
    if (s.exitCode !== null) return;
    const exited = new Promise((r) => s.once('exit', r));
    s.kill('SIGKILL');
    await exited;
  };

  beforeAll(async () => {
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'skiff-nats-'));
    await startNats();
    h = new AsyncHarness(`nats://127.0.0.1:${port}`);
    await h.connect();
    await h.deploy('after-restart');
    await h.startGateway();
    await h.startWorker({
      SKIFF_QUEUE_ACK_WAIT_MS: '2000',
      SKIFF_QUEUE_RETRY_MIN_WAIT_MS: '200',
      SKIFF_QUEUE_RETRY_MAX_WAIT_MS: '1000',
      SKIFF_QUEUE_RETRY_ATTEMPTS: '1000',
    });
  });

  afterAll(async () => {
    await h?.close().catch(() => undefined);
    if (server) await stopNats();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs calls accepted before the server was killed and restarted', async () => {
    // No replica yet: the calls wait in the stream, retried as 503 "no replicas".
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await h.submit('/async-function/after-restart', { body: `${i}` })).headers.get('x-call-id')!);
    await stopNats();
    await startNats();
    h.replica('after-restart', (req) => {
      served.add(req.headers['x-call-id'] as string);
      return { status: 200, body: Buffer.from('ok') };
    });
    await waitFor(
      'the gateway to take calls again',
      async () =>
        (await h.submit('/async-function/after-restart', { body: 'late', headers: { 'X-Call-Id': 'late-call' } }).catch(() => undefined))
          ?.status === 202,
      60_000,
      500,
    );
    ids.push('late-call');
    await waitFor('every call to run', () => ids.every((id) => served.has(id)), 90_000, 200);
    let states: unknown[] = [];
    await waitFor(
      'every call to be succeeded',
      async () => {
        states = await Promise.all(ids.map((id) => h.status(id).catch((e: Error) => e.message)));
        return states.every((s) => (s as { state?: string })?.state === 'succeeded');
      },
      60_000,
      500,
    ).catch((err: Error) => Promise.reject(new Error(`${err.message}: ${JSON.stringify(states)}`)));
  });
});
