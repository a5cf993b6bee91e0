// Issue 17: scaling on memory with SKIFF_BACKEND=swarm on a one-node swarm. The provider reads each
// task container's memory and CPU from the Engine's stats (as `docker stats`); calls that hold memory
// in the function's container make the scaler add replicas, and once they end the replicas come back
// down after the scale-down window.
import 'reflect-metadata';
import { connect, JSONCodec, NatsConnection } from 'nats';
import { EVENTS, FunctionUsage, subjects } from '@skiff/contracts';
import type { ScaleDecisionEvent } from '@skiff/contracts/messages/scale-decision.event';
import { HttpClient, runsDockerTests, testNatsOptions } from '@skiff/testing';
import { FAST_SCALER_ENV } from '../scaling/helpers';
import { SwarmTestbed } from './swarm-harness';

jest.setTimeout(600_000);

const FN = 'hog';

(runsDockerTests() ? describe : describe.skip)('swarm backend: scaling on memory', () => {
  const bed = new SwarmTestbed();
  let gw: HttpClient;
  let nc: NatsConnection;
  const decisions: ScaleDecisionEvent[] = [];

  beforeAll(async () => {
    await bed.start(1, {}, { scalerEnv: FAST_SCALER_ENV });
    gw = bed.gw;
    nc = await connect(testNatsOptions());
    const json = JSONCodec<ScaleDecisionEvent>();
    nc.subscribe(subjects.event(EVENTS.scaleDecision), { callback: (_err, msg) => decisions.push(json.decode(msg.data)) });
  });

  afterAll(async () => {
    await nc?.drain();
    await bed.stop();
  });

  const replicas = async () => (await gw.get(`/system/function/${FN}`)).json<{ replicas?: number }>().replicas ?? 0;

  /** The provider's answer to provider.function.usage (the request the scaler makes each tick), for this function. */
  const usage = async (): Promise<FunctionUsage | undefined> => {
    const subject = subjects.rpc('provider.function.usage');
    const reply = await nc.request(subject, JSONCodec().encode({ pattern: subject, data: {}, id: 'usage' }), { timeout: 5_000 });
    const { response } = JSONCodec<{ response?: FunctionUsage[] }>().decode(reply.data);
    return response?.find((u) => u.name === FN);
  };

  it('reads memory and CPU from the container stats, adds replicas while calls hold memory and removes them after', async () => {
    const res = await gw.post('/system/functions', {
      service: FN,
      image: bed.image,
      // --expose-gc: the function frees what a call held as soon as it answers (the test waits for the replicas to come down).
      envProcess: 'node --expose-gc /home/app/swarm-fn.js',
      envVars: { mode: 'http', exec_timeout: '60s' },
      limits: { memory: '1Gi' },
      labels: {
        'com.openfaas.scale.type': 'memory',
        // Above what an idle replica (watchdog and function, two node processes) holds, below one held call.
        'com.openfaas.scale.target': '250Mi',
        'com.openfaas.scale.target-proportion': '1',
        'com.openfaas.scale.max': '3',
        'com.openfaas.scale.down.window': '5s',
      },
    });
    expect(res.status).toBe(202);
    await bed.eventually('hog to answer', async () => (await gw.post(`/function/${FN}`, '')).status === 200);
    expect(await replicas()).toBe(1);

    const idle = await bed.eventually('usage of the idle replica, CPU included (two stats readings)', async () => {
      const u = await usage();
      return u?.cpuMillicores !== undefined ? u : undefined;
    });
    expect(idle).toMatchObject({ replicas: 1 });
    expect(idle.memoryBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(idle.memoryBytes).toBeLessThan(250 * 2 ** 20);

    let loading = true;
    const caller = async () => {
      while (loading) await gw.post(`/function/${FN}/hold?mb=300&ms=3000`, '').catch(() => undefined);
    };
    const callers = [caller(), caller()];
    try {
      await bed.eventually('hog to scale up on memory', async () => (await replicas()) > 1, 120_000);
    } finally {
      loading = false;
      await Promise.all(callers);
    }
    const up = decisions.find((d) => d.name === FN && d.to > d.from);
    expect(up).toMatchObject({ reason: 'autoscaler', from: 1 });
    expect(up?.detail).toMatch(/^scale up: memory \d+\.\d MiB for target 250\.0 MiB × 1$/);

    await bed.eventually('hog back to 1 replica once the memory is released', async () => (await replicas()) === 1, 120_000);
    // Down in one step or two (a replica may still hold a call's memory when the first step is taken).
    const downs = decisions.filter((d) => d.name === FN && d.to < d.from);
    expect(downs.at(-1)).toMatchObject({ reason: 'autoscaler', to: 1 });
    for (const down of downs) expect(down).toMatchObject({ reason: 'autoscaler', detail: expect.stringMatching(/^scale down: memory /) });
  });
});
