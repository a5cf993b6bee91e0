// ScalerService on a real NATS server: the registry is a real KV bucket, the Bus a real Nest NATS
// client, and the provider a stand-in of this process answering `provider.function.{scale,get}` by
// writing the registry as the provider does. Ticks are driven by hand with an explicit clock.
import 'reflect-metadata';
import { ClientProxy, ClientProxyFactory } from '@nestjs/microservices';
import { connect, KV, NatsConnection } from 'nats';
import { Registry } from 'prom-client';
import {
  AlertManagerPayload,
  ERROR_CODES,
  EVENTS,
  FunctionRecord,
  FunctionStatus,
  RPC,
  ScaleDecisionEvent,
  subjects,
} from '@skiff/contracts';
import {
  Bus,
  FunctionRegistryCache,
  createNatsTransport,
  decodeFunctionRecord,
  encodeFunctionRecord,
  openFunctionsBucket,
} from '@skiff/nats';
import { HealthService } from '@skiff/observability';
import { TEST_NATS_CREDS_FILE, TEST_NATS_URL, testNatsOptions, waitFor } from '@skiff/testing';
import { scalerEnv } from '../config/scaler.env';
import { InvocationCounters, openInvocationsBucket } from '../counters/invocation-counters';
import { MetricsHistoryWriter } from '../history/metrics-history.writer';
import { ScalerMetrics } from './scaler.metrics';
import { ScalerService } from './scaler.service';

const NS = 'openfaas-fn';

describe('ScalerService (real NATS, KV registry, provider stand-in)', () => {
  let nc: NatsConnection;
  let kv: KV;
  let registry: FunctionRegistryCache;
  let client: ClientProxy;
  let scaler: ScalerService;
  const asked: { rpc: string; name: string; replicas?: number }[] = [];
  const decisions: ScaleDecisionEvent[] = [];

  beforeAll(async () => {
    nc = await connect(testNatsOptions());
    kv = await openFunctionsBucket(nc, subjects);
    // The provider: scale writes the record's replicas (as the only registry writer does), get reads it.
    for (const rpc of [RPC.functionScale, RPC.functionGet] as const) {
      nc.subscribe(subjects.rpc(rpc), {
        callback: (_err, msg) =>
          void (async () => {
            const packet = JSON.parse(msg.string()) as { id: string; data: { name: string; namespace: string; replicas?: number } };
            const { name, namespace, replicas } = packet.data;
            asked.push({ rpc, name, replicas });
            const key = subjects.functionKey(namespace, name);
            const entry = await kv.get(key);
            const record = decodeFunctionRecord(entry!);
            if (rpc === RPC.functionScale) {
              record.replicas = replicas!;
              await kv.update(key, encodeFunctionRecord(record), entry!.revision);
            }
            const status: Partial<FunctionStatus> = {
              name,
              namespace,
              image: record.spec.image,
              replicas: record.replicas,
              availableReplicas: 0,
            };
            msg.respond(JSON.stringify({ id: packet.id, response: status, isDisposed: true }));
          })(),
      });
    }
    nc.subscribe(subjects.event(EVENTS.scaleDecision), { callback: (_e, m) => decisions.push(m.json<ScaleDecisionEvent>()) });
    await nc.flush();

    registry = await FunctionRegistryCache.start(nc, subjects);
    client = ClientProxyFactory.create(
      createNatsTransport({ service: 'scaler-spec', url: TEST_NATS_URL, credsFile: TEST_NATS_CREDS_FILE }),
    ) as ClientProxy;
    await client.connect();
    const counters = new InvocationCounters(await openInvocationsBucket(nc, subjects));
    const env = scalerEnv({ ...process.env, SKIFF_NATS_URL: TEST_NATS_URL });
    const bus = new Bus(client, nc);
    // Not started: the history is not what this test is about (it only accumulates, never writes).
    const history = new MetricsHistoryWriter(nc, bus, registry, subjects);
    scaler = new ScalerService(bus, env, registry, counters, new ScalerMetrics(new Registry()), new HealthService(), history);
  });

  afterAll(async () => {
    await scaler?.onApplicationShutdown();
    registry?.stop(); // FunctionRegistryModule stops it in the service
    await client?.close();
    await nc?.drain();
  });

  /** Writes a function into the registry (as a deploy does) and waits for the scaler's copy. */
  async function deploy(name: string, replicas: number, labels: Record<string, string> = {}): Promise<void> {
    const now = new Date().toISOString();
    const record: FunctionRecord = {
      spec: { service: name, image: `img/${name}`, namespace: NS, labels },
      replicas,
      createdAt: now,
      updatedAt: now,
    };
    await kv.put(subjects.functionKey(NS, name), encodeFunctionRecord(record));
    await waitFor(`${name} in the registry copy`, () => registry.get(NS, name)?.replicas === replicas);
  }
  const stepsOf = (name: string) => decisions.filter((d) => d.name === name).map((d) => [d.from, d.to, d.reason]);
  const scalesOf = (name: string) => asked.filter((a) => a.rpc === RPC.functionScale && a.name === name).map((a) => a.replicas);

  it('applies a manual scale through the provider and publishes the decision; an unknown function is 404', async () => {
    await deploy('manual', 1);
    const status = await scaler.scale({ name: 'manual', namespace: NS, replicas: 3 });
    expect(status.replicas).toBe(3);
    expect(scalesOf('manual')).toEqual([3]);
    await waitFor('the decision event', () => stepsOf('manual').length === 1);
    expect(stepsOf('manual')).toEqual([[1, 3, 'manual']]);
    await expect(scaler.scale({ name: 'missing', namespace: NS, replicas: 1 })).rejects.toMatchObject({
      code: ERROR_CODES.functionNotFound.code,
    });
  });

  it('wakes a function at zero once for many concurrent wakes, up to its minimum', async () => {
    await deploy('sleepy', 0, { 'com.openfaas.scale.min': '2' });
    const results = await Promise.all(Array.from({ length: 5 }, () => scaler.wake({ name: 'sleepy', namespace: NS })));
    expect(results.map((r) => r.replicas)).toEqual([2, 2, 2, 2, 2]);
    expect(scalesOf('sleepy')).toEqual([2]);
    await waitFor('the wake decision', () => stepsOf('sleepy').length === 1);
    expect(stepsOf('sleepy')).toEqual([[0, 2, 'wake']]);
  });

  it("follows AlertManager: firing steps up by OpenFaaS's formula, resolved returns to min, unknown or asleep is left alone", async () => {
    await deploy('alerted', 1, { 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': '10', 'com.openfaas.scale.factor': '30' });
    await deploy('dozing', 0, { 'com.openfaas.scale.zero': 'true' });
    const alert = (status: 'firing' | 'resolved', fn: string): AlertManagerPayload =>
      ({ status, alerts: [{ status, labels: { alertname: 'APIHighInvocationRate', function_name: fn } }] }) as AlertManagerPayload;
    await scaler.onAlert(alert('firing', 'alerted'));
    expect(registry.get(NS, 'alerted')?.replicas).toBe(4); // 1 + ceil(10 / 100 × 30)
    await scaler.onAlert(alert('firing', `alerted.${NS}`));
    expect(registry.get(NS, 'alerted')?.replicas).toBe(7);
    await scaler.onAlert(alert('resolved', 'alerted'));
    expect(registry.get(NS, 'alerted')?.replicas).toBe(1);
    await scaler.onAlert(alert('firing', 'nobody-by-that-name'));
    await scaler.onAlert(alert('resolved', 'dozing'));
    expect(scalesOf('alerted')).toEqual([4, 7, 1]);
    expect(scalesOf('dozing')).toEqual([]);
    expect(asked.some((a) => a.name === 'nobody-by-that-name')).toBe(false);
  });

  it('scales an idle function with com.openfaas.scale.zero to 0 once its zero-duration has passed, and nothing without the label', async () => {
    await deploy('idler', 1, { 'com.openfaas.scale.zero': 'true', 'com.openfaas.scale.zero-duration': '30s' });
    await deploy('keeper', 1);
    // The idle clock starts when the scaler first sees the function: one tick now, one past zero-duration.
    const seen = Date.now();
    await scaler.tick(seen);
    await scaler.tick(seen + 31_000);
    await waitFor('idler scaled to 0', () => registry.get(NS, 'idler')?.replicas === 0);
    await waitFor('the idle decision', () => stepsOf('idler').length === 1);
    expect(stepsOf('idler')).toEqual([[1, 0, 'idle']]);
    expect(scalesOf('idler')).toEqual([0]);
    expect(scalesOf('keeper')).toEqual([]);
  });
});
