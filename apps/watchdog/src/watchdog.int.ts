// The Watchdog class on a real NATS server, with a runner of this process standing in for the
// function: max_inflight, the deadline handed to the runner, claims, cancellation and the drain.
import 'reflect-metadata';
import { connect, NatsConnection } from 'nats';
import { ERROR_CODES, subjects } from '@skiff/contracts';
import { INVOKE_HEADERS } from '@skiff/contracts/invoke-protocol';
import { InvokeClient } from '@skiff/invoke/invoke-client';
import { decodeInvokeResponse, encodeInvokeRequest } from '@skiff/invoke/invoke-codec';
import type { InvokeRequest } from '@skiff/invoke/invoke.types';
import { TEST_NATS_CREDS_FILE, TEST_NATS_URL, testNatsOptions, waitFor } from '@skiff/testing';
import { loadWatchdogConfig } from './config';
import { Logger } from './logger';
import { FunctionRunner, RunnerResponse, textResponse } from './runners/runner.types';
import { Watchdog } from './watchdog';

const NS = 'openfaas-fn';
const req = (path: string, body = ''): InvokeRequest => ({ method: 'POST', path, query: '', headers: {}, body: Buffer.from(body) });

/** A function of this process: `/echo` answers at once, `/hold` waits for release() or its abort. */
class HeldRunner implements FunctionRunner {
  readonly seen: { path: string; timeoutMs: number; signal?: AbortSignal }[] = [];
  aborted = 0;
  private waiting: (() => void)[] = [];
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  release(): void {
    for (const go of this.waiting.splice(0)) go();
  }
  get holding(): number {
    return this.waiting.length;
  }
  invoke(r: InvokeRequest, timeoutMs: number, signal?: AbortSignal): Promise<RunnerResponse> {
    this.seen.push({ path: r.path, timeoutMs, signal });
    if (r.path !== '/hold') return Promise.resolve({ status: 200, headers: {}, body: Buffer.from(r.body) });
    return new Promise((resolve) => {
      this.waiting.push(() => resolve(textResponse(200, 'released')));
      signal?.addEventListener('abort', () => {
        this.aborted++;
        resolve(textResponse(500, 'aborted'));
      });
    });
  }
}

describe('Watchdog (real NATS, runner in this process)', () => {
  let nc: NatsConnection;
  let client: InvokeClient;
  const started: Watchdog[] = [];

  beforeAll(async () => {
    nc = await connect(testNatsOptions());
    client = new InvokeClient(nc, subjects);
  });

  afterAll(async () => {
    await Promise.all(started.map((w) => w.stop('test over')));
    await nc.drain();
  });

  async function startWatchdog(name: string, env: Record<string, string> = {}): Promise<{ watchdog: Watchdog; runner: HeldRunner }> {
    const config = loadWatchdogConfig({
      ...process.env,
      fprocess: 'unused',
      mode: 'http',
      upstream_url: 'http://127.0.0.1:1',
      SKIFF_NATS_URL: TEST_NATS_URL,
      ...(TEST_NATS_CREDS_FILE ? { SKIFF_NATS_CREDS: TEST_NATS_CREDS_FILE } : {}),
      SKIFF_FUNCTION_NAME: name,
      SKIFF_FUNCTION_NAMESPACE: NS,
      SKIFF_INSTANCE: `${name}-1`,
      SKIFF_WATCHDOG_PORT: 'off',
      SKIFF_LOG_LEVEL: 'error',
      ...env,
    });
    const runner = new HeldRunner();
    const watchdog = new Watchdog(config, subjects, runner, new Logger('error', {}), (reason) => {
      throw new Error(`watchdog fatal: ${reason}`);
    });
    await watchdog.start();
    started.push(watchdog);
    return { watchdog, runner };
  }

  it('answers 429 from faas-middleware beyond max_inflight, and takes calls again once one finishes', async () => {
    const { runner } = await startWatchdog('limited', { max_inflight: '1' });
    const fn = { name: 'limited', namespace: NS };
    const first = client.invoke(fn, req('/hold'), { timeoutMs: 30_000 });
    await waitFor('the first call to run', () => runner.holding === 1);
    const refused = await client.invoke(fn, req('/echo', 'x'), { timeoutMs: 30_000, overloadRetries: 0 });
    expect(refused.status).toBe(429);
    expect(refused.internal).toBe('faas-middleware');
    runner.release();
    expect((await first).status).toBe(200);
    expect(Buffer.from((await client.invoke(fn, req('/echo', 'again'), { timeoutMs: 30_000 })).body).toString()).toBe('again');
  });

  it("hands the runner the shorter of exec_timeout and the caller's time left", async () => {
    const { runner } = await startWatchdog('deadlines', { exec_timeout: '5s' });
    const fn = { name: 'deadlines', namespace: NS };
    await client.invoke(fn, req('/echo'), { timeoutMs: 2_000 });
    await client.invoke(fn, req('/echo'), { timeoutMs: 60_000 });
    const [short, long] = runner.seen.map((s) => s.timeoutMs);
    expect(short).toBeGreaterThan(0);
    expect(short).toBeLessThanOrEqual(2_000);
    expect(long).toBe(5_000);
  });

  it("announces the instance on a claim under the function's claim prefix, and publishes nowhere else", async () => {
    await startWatchdog('claimed');
    const inbox = subjects.callClaimPrefix(NS, 'claimed') + 'c1';
    const elsewhere = subjects.invoke(NS, 'someone-else');
    const got: Record<string, string[]> = { [inbox]: [], [elsewhere]: [] };
    for (const subject of Object.keys(got)) nc.subscribe(subject, { callback: (_e, m) => got[subject].push(m.string()) });
    await nc.flush();
    const send = async (claim: string) => {
      const { headers, data } = encodeInvokeRequest(req('/echo', 'c'), 10_000);
      headers.set(INVOKE_HEADERS.claim, claim);
      return decodeInvokeResponse(await nc.request(subjects.invoke(NS, 'claimed'), data, { timeout: 10_000, headers }));
    };
    expect((await send(inbox)).status).toBe(200);
    expect((await send(elsewhere)).status).toBe(200);
    await nc.flush();
    // A claim is published before the reply on the same connection, so both would be here by now.
    expect(got).toEqual({ [inbox]: ['claimed-1'], [elsewhere]: [] });
  });

  it('aborts the running call when the caller cancels it', async () => {
    const { runner } = await startWatchdog('cancelled');
    const abort = new AbortController();
    const call = client.invoke({ name: 'cancelled', namespace: NS }, req('/hold'), { timeoutMs: 30_000, signal: abort.signal });
    await waitFor('the call to run', () => runner.holding === 1);
    abort.abort();
    await waitFor('the runner to see the abort', () => runner.aborted === 1);
    expect((await call).status).toBe(500);
  });

  it('on stop: announces replica.gone, lets the call in flight finish, then takes no more calls', async () => {
    const { watchdog, runner } = await startWatchdog('drained');
    const fn = { name: 'drained', namespace: NS };
    const gone: string[] = [];
    nc.subscribe(subjects.replicaGone(NS, 'drained', 'drained-1'), { callback: (_e, m) => gone.push(m.string()) });
    await nc.flush();
    const inflight = client.invoke(fn, req('/hold'), { timeoutMs: 30_000 });
    await waitFor('the call to run', () => runner.holding === 1);
    const stopping = watchdog.stop('test');
    await waitFor('replica.gone', () => gone.length === 1);
    expect(watchdog.state()).toMatchObject({ accepting: false, draining: true });
    runner.release();
    expect((await inflight).status).toBe(200);
    await stopping;
    await expect(client.invoke(fn, req('/echo'), { timeoutMs: 5_000 })).rejects.toMatchObject({ code: ERROR_CODES.noReplicas.code });
  });
});
