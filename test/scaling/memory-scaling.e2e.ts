// Issue 17: scaling on memory (com.openfaas.scale.type: memory) with the built provider, gateway and
// scaler as real processes. A classic function allocates and holds memory per call; the provider
// measures each replica's processes, the scaler follows with the proportional rule, and after the
// calls end the replicas come back down once the scale-down window has passed.
import 'reflect-metadata';
import { resolve } from 'node:path';
import { connect, NatsConnection, JSONCodec } from 'nats';
import { EVENTS, subjects } from '@skiff/contracts';
import type { ScaleDecisionEvent } from '@skiff/contracts/messages/scale-decision.event';
import { HttpClient, Platform, deletePrefixStreams, testNatsOptions } from '@skiff/testing';
import { FAST_SCALER_ENV, eventually, status } from './helpers';

jest.setTimeout(240_000);

const HOLD = resolve(__dirname, 'fixtures', 'hold-memory.js');

describe('scaling on memory', () => {
  let platform: Platform;
  let gw: HttpClient;
  let nc: NatsConnection;
  const decisions: ScaleDecisionEvent[] = [];

  beforeAll(async () => {
    platform = await Platform.start({ services: ['provider', 'gateway', 'scaler'], serviceEnv: { scaler: FAST_SCALER_ENV } });
    gw = platform.client();
    nc = await connect(testNatsOptions());
    const json = JSONCodec<ScaleDecisionEvent>();
    nc.subscribe(subjects.event(EVENTS.scaleDecision), { callback: (_err, msg) => decisions.push(json.decode(msg.data)) });
  });

  afterAll(async () => {
    await platform?.stop();
    if (nc) await deletePrefixStreams(nc).finally(() => nc.drain());
  });

  const replicasOf = async (name: string) => (await status(gw, name))?.replicas ?? 0;

  it('refuses a percentage target without limits.memory, and a target that is not bytes (400 with the reason)', async () => {
    const labels = { 'com.openfaas.scale.type': 'memory', 'com.openfaas.scale.target': '70%' };
    const noLimit = await gw.post('/system/functions', { service: 'nolimit', image: 'any', envProcess: 'cat', labels });
    expect(noLimit.status).toBe(400);
    expect(noLimit.text).toContain('limits.memory');
    const words = { ...labels, 'com.openfaas.scale.target': 'lots' };
    const bad = await gw.post('/system/functions', { service: 'words', image: 'any', envProcess: 'cat', labels: words });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('must be bytes');
    const ok = await gw.post('/system/functions', { service: 'pct', image: 'any', envProcess: 'cat', labels, limits: { memory: '512Mi' } });
    expect(ok.status).toBe(202);
  });

  it('adds replicas while calls hold memory and removes them after the scale-down window', async () => {
    const res = await gw.post('/system/functions', {
      service: 'hog',
      image: 'any',
      envProcess: `${process.execPath} ${HOLD}`,
      labels: {
        'com.openfaas.scale.type': 'memory',
        // Above what an idle replica (the watchdog) holds, far below what two held calls do.
        'com.openfaas.scale.target': '300Mi',
        'com.openfaas.scale.target-proportion': '1',
        'com.openfaas.scale.max': '4',
        'com.openfaas.scale.down.window': '5s',
      },
      envVars: { exec_timeout: '60s' },
    });
    expect(res.status).toBe(202);
    await eventually(platform, 'hog to answer', async () => (await gw.post('/function/hog', '')).status === 200);
    expect(await replicasOf('hog')).toBe(1);

    // Two calls at a time, each holding 400 MiB for 3 s, until the replicas follow.
    let loading = true;
    const caller = async () => {
      while (loading) await gw.post('/function/hog?mb=400&ms=3000', '').catch(() => undefined);
    };
    const callers = [caller(), caller()];
    try {
      await eventually(platform, 'hog to scale up on memory', async () => (await replicasOf('hog')) > 1, 90_000);
    } finally {
      loading = false;
      await Promise.all(callers);
    }
    const up = decisions.find((d) => d.name === 'hog' && d.to > d.from);
    expect(up).toMatchObject({ reason: 'autoscaler', from: 1 });
    expect(up?.detail).toMatch(/^scale up: memory \d+\.\d MiB for target 300\.0 MiB × 1$/);

    await eventually(platform, 'hog back to 1 replica once the memory is released', async () => (await replicasOf('hog')) === 1, 90_000);
    const down = decisions.find((d) => d.name === 'hog' && d.to < d.from);
    expect(down).toMatchObject({ reason: 'autoscaler', to: 1 });
    expect(down?.detail).toMatch(/^scale down: memory /);
  });
});
