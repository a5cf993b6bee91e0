// Issue 17, part 3 (dashboards): the metrics history the scaler writes and the gateway serves at
// /system/metrics/history, against a real platform. Known calls go in (statuses 200, 404 and 500 with
// known minimum durations); what comes back must add up to them: counts by status class, latency
// quantiles no lower than the durations sent (the histogram is off by less than one bucket, 19 %),
// replicas, the scale decision with its reason and the cold start it caused, the async queue while
// calls wait, and a dead letter. An idle function's steps take no room in the stream, and read as before.
import { resolve } from 'node:path';
import { NatsConnection, connect } from 'nats';
import { subjects } from '@skiff/contracts';
import { HttpClient, Platform, waitWithLogs } from '@skiff/testing';
import { readHistory } from './read-history';

jest.setTimeout(240_000);

const NODE = process.execPath;
const STATUS_SERVER = resolve(__dirname, '..', 'fixtures', 'status-server.js');
const SLOW = 90_000;
/** A quantile read from the histogram is at least the true value divided by one bucket's width. */
const BUCKET = 2 ** (1 / 4);

describe('metrics history (real processes)', () => {
  let platform: Platform;
  let gw: HttpClient;
  let nc: NatsConnection;

  beforeAll(async () => {
    platform = await Platform.start({ services: ['provider', 'gateway', 'scaler', 'queue-worker'] });
    gw = platform.client();
    nc = await connect(platform.natsOptions({ name: 'metrics-history-test' }));
  });

  afterAll(async () => {
    await nc?.close();
    await platform?.stop();
  });

  /** Points stored in the stream for one subject. */
  const stored = async (subject: string): Promise<number> => {
    const info = await (await nc.jetstreamManager()).streams.info(subjects.metricsStream, { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  };

  const eventually = <T>(what: string, probe: () => T | Promise<T>, timeoutMs = SLOW) =>
    waitWithLogs(platform, what, probe, { timeoutMs, intervalMs: 250 });

  const history = (query: string) => readHistory(gw, query);

  it('needs the admin credentials and a known range', async () => {
    expect((await platform.anonymousClient().get('/system/metrics/history?range=5m')).status).toBe(401);
    const bad = await gw.get('/system/metrics/history?range=2d');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('5m, 15m, 1h, 6h, 24h');
    expect((await gw.get('/system/metrics/history?range=5m&function=Bad_Name')).status).toBe(400);
  });

  it('adds up the calls by status class, and their latency quantiles are those of the durations sent', async () => {
    expect(
      (
        await gw.post('/system/functions', {
          service: 'statuses',
          image: 'any',
          envProcess: `${NODE} ${STATUS_SERVER}`,
          envVars: { mode: 'http' },
        })
      ).status,
    ).toBe(202);
    // Ready without a call, so that every call counted is one of those below.
    await eventually('statuses to have a replica', async () => {
      const fn = await gw.get('/system/function/statuses');
      return fn.status === 200 && (fn.json<{ availableReplicas?: number }>().availableReplicas ?? 0) >= 1;
    });
    const before = await eventually('the first points of statuses', async () => {
      const h = await history('range=5m&function=statuses');
      return h.points.some((p) => p.replicas !== null) ? h : undefined;
    });
    expect(before.summary.calls).toEqual({ '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 });

    // 20 × 200 after ≥ 20 ms, 10 × 404 at once, 5 × 500 after ≥ 300 ms; a few at a time.
    const calls = [
      ...Array.from({ length: 20 }, () => '/function/statuses/status/200?ms=20'),
      ...Array.from({ length: 10 }, () => '/function/statuses/status/404'),
      ...Array.from({ length: 5 }, () => '/function/statuses/status/500?ms=300'),
    ];
    for (let i = 0; i < calls.length; i += 5) {
      const replies = await Promise.all(calls.slice(i, i + 5).map((path) => gw.get(path)));
      for (const [j, r] of replies.entries()) expect(r.status).toBe(Number(/status\/(\d{3})/.exec(calls[i + j])![1]));
    }

    const after = await eventually('the history to count every call', async () => {
      const h = await history('range=5m&function=statuses');
      const c = h.summary.calls;
      return c['2xx'] >= 20 && c['4xx'] >= 10 && c['5xx'] >= 5 ? h : undefined;
    });
    expect(after.function).toBe('statuses.openfaas-fn');
    expect(after.stepMs).toBe(5_000);
    expect(after.summary.calls).toEqual({ '2xx': 20, '3xx': 0, '4xx': 10, '5xx': 5 });
    // The points' rates are the same calls, per second of each step.
    const sum = (cls: '2xx' | '4xx' | '5xx') =>
      Math.round(after.points.reduce((n, p) => n + (p.rate?.[cls] ?? 0) * (after.stepMs / 1000), 0));
    expect([sum('2xx'), sum('4xx'), sum('5xx')]).toEqual([
      after.summary.calls['2xx'],
      after.summary.calls['4xx'],
      after.summary.calls['5xx'],
    ]);

    expect(after.points.filter((p) => p.latency).length).toBeGreaterThan(0);
    // At least 25 of the 35 calls took ≥ 20 ms (so the median did), at least 5 (14 %) ≥ 300 ms (so p95 and p99 did).
    const { latency } = after.summary;
    expect(latency).not.toBeNull();
    expect(latency!.p50).toBeGreaterThanOrEqual(0.02 / BUCKET);
    expect(latency!.p95).toBeGreaterThanOrEqual(0.3 / BUCKET);
    expect(latency!.p99).toBeGreaterThanOrEqual(latency!.p95);
    expect(latency!.p95).toBeGreaterThanOrEqual(latency!.p50);
    // The mean is exact (sum of durations over count): the calls took ≥ 20 × 0.02 + 5 × 0.3 s together.
    expect(latency!.mean).toBeGreaterThanOrEqual((20 * 0.02 + 5 * 0.3) / 35);

    // Replicas: one desired, one available.
    const last = [...after.points].reverse().find((p) => p.replicas !== null)!;
    expect(last).toMatchObject({ replicas: 1, availableReplicas: 1 });

    // The platform's series holds the same calls (it is the only function).
    const platformHistory = await eventually('the platform series to hold them', async () => {
      const h = await history('range=5m');
      return h.summary.calls['5xx'] >= after.summary.calls['5xx'] ? h : undefined;
    });
    expect(platformHistory.function).toBeUndefined();
    expect(platformHistory.summary.calls['4xx']).toBe(after.summary.calls['4xx']);
  });

  it('records a scale decision with its reason, and the cold start of the replica it added', async () => {
    expect((await gw.post('/system/scale-function/statuses', { serviceName: 'statuses', replicas: 2 })).status).toBe(202);
    const h = await eventually('the decision and the second replica in the history', async () => {
      const got = await history('range=5m&function=statuses');
      const scaled = got.decisions.some((d) => d.from === 1 && d.to === 2 && d.reason === 'manual');
      const ready = got.points.some((p) => p.availableReplicas === 2);
      return scaled && ready ? got : undefined;
    });
    const decision = h.decisions.find((d) => d.to === 2)!;
    expect(decision).toMatchObject({ name: 'statuses', namespace: 'openfaas-fn', from: 1, to: 2, reason: 'manual' });
    // The first replica (deploy) and the second (scale) each started cold.
    expect(h.summary.coldStarts).toBeGreaterThanOrEqual(2);
    expect(h.summary.coldStartSeconds).toBeGreaterThan(0);
    expect(h.points.some((p) => (p.coldStarts ?? 0) > 0 && (p.coldStartSeconds ?? 0) > 0)).toBe(true);
  });

  it('shows the async queue while calls wait, with the age of the oldest, and the dead letters', async () => {
    // One call at a time; a 503 is dead-lettered after its one attempt.
    const deployed = await gw.post('/system/functions', {
      service: 'queued',
      image: 'any',
      envProcess: `${NODE} ${STATUS_SERVER}`,
      envVars: { mode: 'http' },
      annotations: { 'com.openfaas.queue.max_inflight': '1', 'com.openfaas.retry.attempts': '1', 'com.openfaas.retry.codes': '503' },
    });
    expect(deployed.status).toBe(202);
    await eventually('queued to have a replica', async () => {
      const fn = await gw.get('/system/function/queued');
      return fn.status === 200 && (fn.json<{ availableReplicas?: number }>().availableReplicas ?? 0) >= 1;
    });
    expect((await gw.post('/async-function/queued/status/503', 'x')).status).toBe(202);
    // Four calls of ≥ 3 s one after the other: for ≥ 9 s at least two of them are in the stream, so a
    // 5 s sample sees them.
    for (let i = 0; i < 4; i++) expect((await gw.post('/async-function/queued/status/200?ms=3000', 'x')).status).toBe(202);

    const h = await eventually('the queue and the dead letter in the history', async () => {
      const got = await history('range=5m&function=queued');
      const deep = got.points.some((p) => (p.queueDepth ?? 0) >= 2 && (p.queueAgeSeconds ?? 0) > 0);
      const dead = got.points.some((p) => p.deadLetters === 1);
      const drained = got.points[got.points.length - 2]?.queueDepth === 0;
      return deep && dead && drained ? got : undefined;
    });
    expect(Math.max(...h.points.map((p) => p.queueDepth ?? 0))).toBeLessThanOrEqual(5);
    // The async calls are counted with the others: 4 × 200 and the 503 (queue-worker's aggregates).
    expect(h.summary.calls).toMatchObject({ '2xx': 4, '5xx': 1 });
    expect(h.summary.latency!.p50).toBeGreaterThanOrEqual(3 / BUCKET);
    // The platform adds every function's queue and dead letters up.
    const all = await history('range=5m');
    expect(all.points.some((p) => p.deadLetters === 1)).toBe(true);
    expect(Math.max(...all.points.map((p) => p.queueDepth ?? 0))).toBeGreaterThanOrEqual(2);
  });

  it("stores no point for an idle function's steps, and answers them as it would the points", async () => {
    const deployed = await gw.post('/system/functions', {
      service: 'idle',
      image: 'any',
      envProcess: `${NODE} ${STATUS_SERVER}`,
      envVars: { mode: 'http' },
    });
    expect(deployed.status).toBe(202);
    await eventually('idle to be available in the history', async () => {
      const h = await history('range=5m&function=idle');
      return h.points.some((p) => p.availableReplicas === 1) || undefined;
    });
    const fine = subjects.metricsFunction('5s', 'openfaas-fn', 'idle');
    const platformFine = subjects.metricsPlatform('5s');
    const [before, platformBefore] = [await stored(fine), await stored(platformFine)];
    // Six steps the scaler wrote (the platform's point is stored every step) without a call to idle.
    await eventually('six more steps written', async () => (await stored(platformFine)) >= platformBefore + 6 || undefined);
    // Its first point after becoming available (a cold start seen a step later) at most: not one a step.
    expect((await stored(fine)) - before).toBeLessThanOrEqual(1);

    const h = await history('range=5m&function=idle');
    const written = h.points.filter((p) => p.replicas !== null);
    const quiet = written.slice(-6);
    expect(quiet).toHaveLength(6);
    for (const p of quiet)
      expect(p).toMatchObject({
        rate: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
        latency: null,
        inflight: 0,
        replicas: 1,
        availableReplicas: 1,
      });
    // From the first point on, no step of the range is a gap (the current one has not ended).
    const firstWritten = h.points.indexOf(written[0]);
    expect(h.points.slice(firstWritten, -2).every((p) => p.replicas !== null)).toBe(true);
    expect(h.reason).toBeUndefined();
  });

  it('keeps the coarse series for the long ranges', async () => {
    const h = await history('range=24h&function=statuses');
    expect(h.stepMs).toBe(60_000);
    expect(h.points).toHaveLength(Math.ceil((h.to - Math.floor(h.from / 60_000) * 60_000) / 60_000));
  });
});
