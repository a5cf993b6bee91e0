// Scaling end to end with the built provider, gateway, scaler and queue-worker as real processes:
// deploy-time replicas, the built-in autoscaler up and down, min == max, manual scale to zero and
// back, idle scale to zero and wake (sync and async), a shared wake-up, a function that never
// becomes ready, AlertManager alerts, cumulative invocation counts and lint-clean metrics.
import 'reflect-metadata';
import { resolve } from 'node:path';
import { connect, NatsConnection, JSONCodec } from 'nats';
import { EVENTS, subjects } from '@skiff/contracts';
import type { ScaleDecisionEvent } from '@skiff/contracts/messages/scale-decision.event';
import { HttpClient, Platform, deletePrefixStreams, testNatsOptions } from '@skiff/testing';
import { FAST_SCALER_ENV, eventually, promtoolProblems, sample, status, steadyLoad } from './helpers';

jest.setTimeout(240_000);

const decisions: ScaleDecisionEvent[] = [];

describe('scaling end to end', () => {
  let platform: Platform;
  let gw: HttpClient;
  let nc: NatsConnection;

  beforeAll(async () => {
    platform = await Platform.start({
      services: ['provider', 'gateway', 'scaler', 'queue-worker'],
      serviceEnv: { scaler: FAST_SCALER_ENV },
    });
    gw = platform.client();
    nc = await connect(testNatsOptions());
    const json = JSONCodec<ScaleDecisionEvent>();
    nc.subscribe(subjects.event(EVENTS.scaleDecision), { callback: (_err, msg) => decisions.push(json.decode(msg.data)) });
  });

  afterAll(async () => {
    await platform?.stop();
    if (nc) await deletePrefixStreams(nc).finally(() => nc.drain());
  });

  async function deploy(service: string, labels: Record<string, string> = {}, extra: Record<string, unknown> = {}): Promise<void> {
    const res = await gw.post('/system/functions', { service, image: 'any', envProcess: 'cat', labels, ...extra });
    expect(res.status).toBe(202);
  }

  const replicasOf = async (name: string) => (await status(gw, name))?.replicas ?? 0;
  const decisionsOf = (name: string) => decisions.filter((d) => d.name === name);

  it('starts a function with com.openfaas.scale.min=2 at 2 replicas (the first status read says so)', async () => {
    await deploy('two', { 'com.openfaas.scale.min': '2' });
    expect((await status(gw, 'two'))?.replicas).toBe(2);
  });

  it('rejects invalid scaling labels at deploy with a 400 naming each label', async () => {
    const res = await gw.post('/system/functions', {
      service: 'badlabels',
      image: 'any',
      envProcess: 'cat',
      labels: { 'com.openfaas.scale.factor': '101', 'com.openfaas.scale.zero-duration': 'later' },
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('com.openfaas.scale.factor');
    expect(res.text).toContain('com.openfaas.scale.zero-duration');
    expect((await gw.get('/system/function/badlabels')).status).toBe(404);
  });

  it('follows about 10 req/s up to max 2 and back to 1 after the load stops; min == max stays put', async () => {
    // http mode (one long-lived Node server per replica): 10 req/s stays 10 req/s on a busy machine.
    const httpEcho = {
      envProcess: `${process.execPath} ${resolve(__dirname, '..', 'fixtures', 'http-echo-server.js')}`,
      envVars: { mode: 'http' },
    };
    await deploy('elastic', { 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': '2' }, httpEcho);
    await deploy('pinned', { 'com.openfaas.scale.min': '2', 'com.openfaas.scale.max': '2' }, httpEcho);
    await eventually(
      platform,
      'both functions to answer',
      async () => (await gw.post('/function/elastic', 'x')).status === 200 && (await gw.post('/function/pinned', 'x')).status === 200,
    );

    const elastic = steadyLoad(gw, '/function/elastic', 10);
    const pinned = steadyLoad(gw, '/function/pinned', 10);
    try {
      await eventually(platform, 'elastic to reach 2 replicas under load', async () => (await replicasOf('elastic')) === 2, 90_000);
      // Keep the load on for 40 more answered calls (several rule periods, however slow this machine is):
      // the scaler must not go past max meanwhile.
      const answered = elastic.answered();
      await eventually(platform, '40 more answered calls of elastic', () => elastic.answered() >= answered + 40, 90_000);
    } finally {
      await elastic.stop();
      await pinned.stop();
    }
    expect(elastic.failures()).toBe(0);
    await eventually(platform, 'elastic to return to 1 replica after the load', async () => (await replicasOf('elastic')) === 1, 90_000);
    expect(await replicasOf('pinned')).toBe(2);
    expect(decisionsOf('pinned')).toEqual([]);
    // Up to max first, down to min last; a busy machine may let the measured rate dip in between
    // (a step down and up again), but never outside min..max and always the autoscaler's.
    const elasticSteps = decisionsOf('elastic').map((d) => [d.from, d.to, d.reason]);
    expect(elasticSteps[0]).toEqual([1, 2, 'autoscaler']);
    expect(elasticSteps.at(-1)).toEqual([2, 1, 'autoscaler']);
    expect(elasticSteps.every(([from, to, reason]) => reason === 'autoscaler' && Math.abs(Number(to) - Number(from)) === 1)).toBe(true);
  });

  it("scales on CPU per replica measured from the replicas' processes (type cpu)", async () => {
    await deploy(
      'burner',
      {
        'com.openfaas.scale.target': '200',
        'com.openfaas.scale.type': 'cpu',
        'com.openfaas.scale.target-proportion': '1',
        'com.openfaas.scale.max': '3',
      },
      { envProcess: `${process.execPath} ${resolve(__dirname, 'fixtures', 'burn.js')}` },
    );
    await eventually(platform, 'burner to answer', async () => (await gw.post('/function/burner', 'x')).status === 200);
    const load = steadyLoad(gw, '/function/burner', 4);
    try {
      await eventually(platform, 'burner to scale up on CPU', async () => (await replicasOf('burner')) > 1, 90_000);
    } finally {
      await load.stop();
    }
    const up = decisionsOf('burner').find((d) => d.to > d.from);
    expect(up).toMatchObject({ reason: 'autoscaler' });
    expect(up?.detail).toMatch(/^scale up: cpu \d+/);
  });

  it('scales to 0 by hand, then the next call succeeds without the caller retrying', async () => {
    await deploy('sleeper');
    await eventually(platform, 'sleeper to answer', async () => (await gw.post('/function/sleeper', 'x')).status === 200);
    expect((await gw.post('/system/scale-function/sleeper', { serviceName: 'sleeper', replicas: 0 })).status).toBe(202);
    await eventually(platform, 'sleeper to have no replica', async () => {
      const s = await status(gw, 'sleeper');
      return s && !s.replicas && !s.availableReplicas;
    });
    const reply = await gw.post('/function/sleeper', 'wake up');
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('wake up');
    expect(await replicasOf('sleeper')).toBe(1);
    expect(decisionsOf('sleeper').map((d) => [d.from, d.to, d.reason])).toEqual([
      [1, 0, 'manual'],
      [0, 1, 'wake'],
    ]);
  });

  it('goes to zero after its idle duration and wakes on the next call; concurrent calls share one wake-up', async () => {
    await deploy('napper', { 'com.openfaas.scale.zero': 'true', 'com.openfaas.scale.zero-duration': '2s' });
    await eventually(platform, 'napper to answer', async () => (await gw.post('/function/napper', 'x')).status === 200);
    await eventually(platform, 'napper to be scaled to zero when idle', async () => (await replicasOf('napper')) === 0, 30_000);
    await eventually(platform, 'napper replicas to be gone', async () => !(await status(gw, 'napper'))?.availableReplicas);

    const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => gw.post('/function/napper', `call ${i}`)));
    expect(replies.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(replies.map((r) => r.text)).toEqual(Array.from({ length: 8 }, (_, i) => `call ${i}`));
    const napper = decisionsOf('napper').map((d) => [d.from, d.to, d.reason]);
    expect(napper.slice(0, 2)).toEqual([
      [1, 0, 'idle'],
      [0, 1, 'wake'],
    ]);
    const metrics = (await platform.client('scaler').get('/metrics')).text;
    expect(sample(metrics, 'skiff_scaler_decisions_total', { function_name: 'napper.openfaas-fn', reason: 'wake' })).toBe(1);
  });

  it('wakes a function at zero for an async call too (queue-worker)', async () => {
    await deploy('late-riser', { 'com.openfaas.scale.zero': 'true' });
    await eventually(platform, 'late-riser to answer', async () => (await gw.post('/function/late-riser', 'x')).status === 200);
    expect((await gw.post('/system/scale-function/late-riser', { replicas: 0 })).status).toBe(202);
    await eventually(platform, 'late-riser to have no replica', async () => !(await status(gw, 'late-riser'))?.availableReplicas);
    const accepted = await gw.post('/async-function/late-riser', 'queued');
    expect(accepted.status).toBe(202);
    const callId = accepted.headers.get('x-call-id')!;
    const result = await eventually(platform, 'the async call to succeed', async () => {
      const s = await gw.get(`/async-function/status/${callId}`);
      const body = s.status === 200 ? s.json<{ state: string; statusCode?: number; attempts?: number }>() : undefined;
      return body?.state === 'succeeded' ? body : undefined;
    });
    expect(result).toMatchObject({ statusCode: 200, attempts: 1 });
    expect(decisionsOf('late-riser').map((d) => d.reason)).toEqual(['manual', 'wake']);
  });

  it("fails a call with 503 and the reason after the function's timeout when no replica ever becomes ready", async () => {
    // An unknown watchdog mode: every replica exits at start, so none announces ready.
    await deploy('broken', {}, { envVars: { mode: 'no-such-mode', write_timeout: '2s', exec_timeout: '2s' } });
    const reply = await gw.post('/function/broken', 'x', { timeoutMs: 60_000 });
    expect(reply.status).toBe(503);
    expect(reply.text).toContain('broken.openfaas-fn');
    expect(reply.text).toContain('no replica became ready');
  });

  it('applies AlertManager alerts with the OpenFaaS formula and ignores unknown functions', async () => {
    await deploy('alerted', { 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': '10', 'com.openfaas.scale.factor': '30' });
    const alert = (state: 'firing' | 'resolved', fn: string) => ({
      receiver: 'scale-up',
      status: state,
      alerts: [
        {
          status: state,
          labels: { alertname: 'APIHighInvocationRate', function_name: fn, service: 'gateway', severity: 'major' },
          annotations: {},
        },
      ],
      version: '4',
    });
    expect((await gw.post('/system/alert', alert('firing', 'alerted'))).status).toBe(200);
    await eventually(platform, 'alerted to step up to 4 (1 + ceil(10/100*30))', async () => (await replicasOf('alerted')) === 4);
    expect((await gw.post('/system/alert', alert('firing', 'alerted.openfaas-fn'))).status).toBe(200);
    await eventually(platform, 'alerted to step up to 7', async () => (await replicasOf('alerted')) === 7);
    expect((await gw.post('/system/alert', alert('resolved', 'alerted'))).status).toBe(200);
    await eventually(platform, 'alerted to go back to min', async () => (await replicasOf('alerted')) === 1);
    expect(decisionsOf('alerted').every((d) => d.reason === 'alert')).toBe(true);

    expect((await gw.post('/system/alert', alert('firing', 'nobody-by-that-name'))).status).toBe(200);
    expect((await gw.post('/system/alert', { alerts: 'nope' })).status).toBe(400);
    expect((await gw.post('/system/alert', '{"alerts": [', { headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await gw.post('/system/alert', { alerts: [{ status: 'sideways', labels: {} }] })).status).toBe(400);
  });

  it('reports invocationCount across gateways and keeps it across scaler and gateway restarts', async () => {
    await deploy('counted');
    await eventually(platform, 'counted to answer', async () => (await gw.post('/function/counted', 'x')).status === 200);
    const countOf = async () => (await status(gw, 'counted'))?.invocationCount ?? 0;
    for (let i = 0; i < 4; i++) expect((await gw.post('/function/counted', 'x')).status).toBe(200);
    await eventually(platform, 'invocationCount to reach 5', async () => (await countOf()) === 5);
    await platform.restart('scaler');
    await platform.restart('gateway');
    gw = platform.client();
    expect(await countOf()).toBe(5);
    for (let i = 0; i < 3; i++) expect((await gw.post('/function/counted', 'x')).status).toBe(200);
    await eventually(platform, 'invocationCount to reach 8', async () => (await countOf()) === 8);
    const listed = (await gw.get('/system/functions')).json<Array<{ name: string; invocationCount?: number }>>();
    expect(listed.find((f) => f.name === 'counted')?.invocationCount).toBe(8);
    expect(listed.find((f) => f.name === 'badlabels')).toBeUndefined();
  });

  it('exposes OpenFaaS gateway metrics, and every service passes promtool check metrics', async () => {
    const text = (await platform.client('gateway-metrics').get('/metrics')).text;
    expect(sample(text, 'gateway_function_invocation_total', { function_name: 'counted.openfaas-fn', code: '200' })).toBeGreaterThanOrEqual(
      3,
    );
    expect(sample(text, 'gateway_functions_seconds_count', { function_name: 'counted.openfaas-fn', code: '200' })).toBeGreaterThanOrEqual(
      3,
    );
    expect(sample(text, 'gateway_function_invocation_started', { function_name: 'counted.openfaas-fn' })).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'gateway_service_count', { function_name: 'two.openfaas-fn' })).toBe(2);
    const worker = (await platform.client('queue-worker').get('/metrics')).text;
    expect(sample(worker, 'skiff_async_queue_depth', { function_name: 'late-riser.openfaas-fn', state: 'waiting' })).toBe(0);
    const scaler = (await platform.client('scaler').get('/metrics')).text;
    expect(sample(scaler, 'skiff_scaler_desired_replicas', { function_name: 'two.openfaas-fn' })).toBe(2);
    for (const service of ['gateway-metrics', 'provider', 'scaler', 'queue-worker']) {
      const exposition = (await platform.client(service).get('/metrics')).text;
      expect({ service, problems: promtoolProblems(exposition) }).toEqual({ service, problems: '' });
    }
  });
});
