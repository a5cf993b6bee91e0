// Issue 17, part 3 (dashboards): the metrics history with more than one gateway, and without a
// scaler. Calls in flight through two gateways at once add up (in the history and in the figure the
// scaler's `capacity` rule scales on); with the scaler stopped, the API says why there is no history
// instead of answering an unexplained empty series, and says nothing once it runs again.
import { resolve } from 'node:path';
import { HttpClient, Platform, waitWithLogs } from '@skiff/testing';
import { readHistory } from './read-history';

jest.setTimeout(240_000);

const STATUS_SERVER = resolve(__dirname, '..', 'fixtures', 'status-server.js');
const SLOW = 90_000;
/** Calls each gateway holds in flight at once, and how long each takes. */
const PER_GATEWAY = 3;
const CALL_MS = 10_000;

describe('metrics history with two gateways, and without a scaler (real processes)', () => {
  let platform: Platform;
  let gw: HttpClient;
  let gwB: HttpClient;

  beforeAll(async () => {
    platform = await Platform.start({ services: ['provider', 'gateway', 'scaler'] });
    await platform.startService('gateway-b', 'gateway');
    gw = platform.client();
    gwB = platform.client('gateway-b');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const eventually = <T>(what: string, probe: () => T | Promise<T>, timeoutMs = SLOW) =>
    waitWithLogs(platform, what, probe, { timeoutMs, intervalMs: 250 });

  const history = (query: string) => readHistory(gw, query);

  it('adds up the calls in flight of every gateway, in the history and for the capacity rule', async () => {
    const deployed = await gw.post('/system/functions', {
      service: 'slow',
      image: 'any',
      envProcess: `${process.execPath} ${STATUS_SERVER}`,
      envVars: { mode: 'http' },
    });
    expect(deployed.status).toBe(202);
    await eventually('slow to have a replica', async () => {
      const fn = await gw.get('/system/function/slow');
      return fn.status === 200 && (fn.json<{ availableReplicas?: number }>().availableReplicas ?? 0) >= 1;
    });
    const calls = [gw, gwB].flatMap((client) =>
      Array.from({ length: PER_GATEWAY }, () => client.get(`/function/slow/status/200?ms=${CALL_MS}`)),
    );
    // What the scaler's capacity rule reads (its load figure) while they run.
    let seen = '';
    await eventually('the scaler to see every call in flight', async () => {
      const metrics = (await platform.client('scaler').get('/metrics')).text;
      seen = /^skiff_scaler_load_inflight\{[^}]*function_name="slow\.openfaas-fn"[^}]*\} .*$/m.exec(metrics)?.[0] ?? seen;
      return seen.endsWith(` ${2 * PER_GATEWAY}`) || undefined;
    }).catch((err: Error) => {
      throw new Error(`last seen: ${seen || 'no skiff_scaler_load_inflight of slow'}\n${err.message}`);
    });
    for (const reply of await Promise.all(calls)) expect(reply.status).toBe(200);

    const h = await eventually('the history to hold the steps the calls ran in', async () => {
      const got = await history('range=5m&function=slow');
      return got.summary.calls['2xx'] >= 2 * PER_GATEWAY ? got : undefined;
    });
    expect(h.summary.calls['2xx']).toBe(2 * PER_GATEWAY);
    // Both gateways' calls at once: their sum, not the busier gateway's figure.
    expect(Math.max(...h.points.map((p) => p.inflight ?? 0))).toBe(2 * PER_GATEWAY);
  });

  it('says there is no history while no scaler runs, and stops saying so once one does', async () => {
    expect((await history('range=5m')).reason).toBeUndefined();
    await platform.stopService('scaler');
    const h = await eventually('the history to say why it is not written', async () => {
      const got = await history('range=5m&function=slow');
      return got.reason ? got : undefined;
    });
    expect(h.reason).toMatch(/^no scaler is running/);
    // The steps since the scaler stopped are gaps, not idle steps carried on.
    expect(h.points.slice(-3).every((p) => p.replicas === null && p.rate === null)).toBe(true);
    expect((await history('range=24h')).reason).toBe(h.reason);

    await platform.startService('scaler');
    await eventually('the history to be written again', async () => {
      const got = await history('range=5m&function=slow');
      return got.reason === undefined && got.points.some((p) => p.t > h.to && p.replicas === 1) ? got : undefined;
    });
  });
});
