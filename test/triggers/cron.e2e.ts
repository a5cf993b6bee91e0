import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { settle, PrivateRedis, TriggerHarness } from './trigger-harness';
import { ServiceProcess, waitFor } from '@skiff/testing';

jest.setTimeout(180_000);

describe('connector-cron: BullMQ schedules on a private Redis, two replicas, async calls (real NATS, Redis, processes)', () => {
  const h = new TriggerHarness();
  const redis = new PrivateRedis();
  const cronEnv = () => ({
    SKIFF_REDIS_URL: redis.url,
    SKIFF_CRON_REDIS_PREFIX: `t-${randomBytes(4).toString('hex')}`,
    SKIFF_CRON_RESYNC_MS: '1000',
  });
  let env: Record<string, string>;
  let cron1: ServiceProcess;

  /** Scheduled times the function received, in order. */
  const ticks = () => h.of('every2s').map((r) => String(r.headers['x-scheduled-time']));

  beforeAll(async () => {
    await redis.start();
    env = cronEnv();
    await h.connect();
    await h.deployRecorded('every2s', { topic: 'cron-function', schedule: '*/2 * * * * *' });
    await h.startWorker();
    cron1 = (await h.startApp('connector-cron', 'SKIFF_CONNECTOR_CRON_PORT', env, 'connector-cron-1')).process;
    await h.startApp('connector-cron', 'SKIFF_CONNECTOR_CRON_PORT', env, 'connector-cron-2');
  });

  afterAll(async () => {
    await h.close();
    await redis.stop();
  });

  it('fires on schedule with X-Connector: cron and the scheduled time; two replicas fire each tick once', async () => {
    await waitFor('the first tick', () => ticks().length > 0, 15_000);
    await waitFor('four ticks', () => ticks().length >= 4, 30_000);
    const first = h.of('every2s')[0];
    expect(first.headers['x-connector']).toBe('cron');
    expect(first.headers['x-topic']).toBe('cron-function');
    expect(first.method).toBe('POST');
    const seen = ticks();
    expect(new Set(seen).size).toBe(seen.length);
    for (const t of seen) expect(new Date(t).getUTCSeconds() % 2).toBe(0);
  });

  it('after FLUSHALL the schedule comes back and keeps firing, without double fires', async () => {
    expect(redis.cli('FLUSHALL')).toBe('OK');
    const flushedAt = Date.now();
    await waitFor('ticks after the flush', () => ticks().filter((t) => new Date(t).getTime() > flushedAt + 2_000).length >= 3, 60_000);
    const seen = ticks();
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('a registered schedule that no longer validates is not scheduled, and is reported once', async () => {
    // Written straight into the registry, as a function deployed before the minute-step rule existed would be.
    await h.deployRecorded('stale', { topic: 'cron-function', schedule: '*/61 * * * *' });
    // The report is one structured line: {"msg":"not scheduled: …","function":"stale.openfaas-fn","error":"…61…"}.
    const reported = () =>
      cron1.log
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg?: string; function?: string; error?: string })
        .filter((entry) => entry.function === 'stale.openfaas-fn' && entry.msg?.startsWith('not scheduled'));
    const reports = () => reported().length;
    await waitFor('the unusable schedule to be reported', () => reports() > 0, 15_000);
    expect(reported()[0].error).toMatch(/61/);
    await settle(3_000); // three more resyncs (SKIFF_CRON_RESYNC_MS=1000)
    expect(reports()).toBe(1);
    expect(h.of('stale')).toEqual([]);
  });

  it('follows a delete: no more ticks once the function is gone', async () => {
    await h.remove('every2s');
    await settle(3_000);
    const before = ticks().length;
    await settle(5_000);
    expect(ticks().length).toBe(before);
    await waitFor(
      'the scheduler to be removed',
      () => redis.cli('--scan', '--pattern', `${env.SKIFF_CRON_REDIS_PREFIX}:*:repeat:*`) === '',
      15_000,
    ).catch(() => undefined);
  });
});
