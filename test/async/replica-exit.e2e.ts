import 'reflect-metadata';
import { HttpClient, Platform, ReplicaWatcher, processAlive, waitFor } from '@skiff/testing';

jest.setTimeout(240_000);

/**
 * Audit #17, done the audit's way: `sink` (queue max_inflight 1, `sleep 30`) with 12 queued calls;
 * its replica is SIGKILLed mid-call. Before, the call it held stayed `running` until the async
 * timeout (300 s) and the whole queue waited; now the provider reports the exit and the queue-worker
 * fails that call at once with a retryable error. The wait below is far shorter than the timeout.
 */
describe('a replica that dies fails its in-flight async calls at once (#17, real provider, watchdogs, queue-worker)', () => {
  let platform: Platform;
  let gw: HttpClient;
  let replicas: ReplicaWatcher;

  beforeAll(async () => {
    platform = await Platform.start({ services: ['provider', 'gateway', 'queue-worker'] });
    gw = platform.client();
    replicas = await ReplicaWatcher.start();
  });

  afterAll(async () => {
    await replicas?.close();
    await platform?.stop();
  });

  const status = async (callId: string) => {
    const reply = await gw.get(`/async-function/status/${callId}?function=sink`);
    return reply.status === 200 ? reply.json<Record<string, unknown>>() : undefined;
  };

  it('retries the call the killed replica held within seconds, not after the 300 s timeout', async () => {
    const deploy = await gw.post('/system/functions', {
      service: 'sink',
      image: 'any',
      envProcess: 'sleep 30',
      annotations: { 'com.openfaas.queue.max_inflight': '1', 'com.openfaas.retry.min_wait': '1s', 'com.openfaas.retry.max_wait': '2s' },
    });
    expect(deploy.status).toBe(202);
    await waitFor('a ready replica of sink', () => replicas.replicas('sink').length === 1, 60_000, 200);
    for (let i = 0; i < 12; i++)
      expect(
        (await platform.anonymousClient().post(`/async-function/sink`, `call ${i}`, { headers: { 'x-call-id': `sink-${i}` } })).status,
      ).toBe(202);

    const running = await waitFor(
      'a running call',
      async () => {
        for (let i = 0; i < 12; i++) if ((await status(`sink-${i}`))?.state === 'running') return `sink-${i}`;
        return undefined;
      },
      60_000,
      200,
    );
    // Let the call reach the replica (its fork of `sleep 30` is under way).
    await new Promise((r) => setTimeout(r, 1_000));
    const [victim] = replicas.replicas('sink');
    process.kill(victim.pid, 'SIGKILL');
    await waitFor(`replica pid ${victim.pid} to be gone`, () => !processAlive(victim.pid), 10_000);

    const after = await waitFor(
      `${running} to be failed over`,
      async () => {
        const s = await status(running);
        return s && (Number(s.attempts) >= 2 || s.state === 'queued' || s.state === 'dead-lettered') ? s : undefined;
      },
      60_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- service output (tail) ---\n${platform.logs().slice(-8_000)}`);
    });
    expect(String(after.error)).toMatch(/replica .*exited/);
  });
});
