// Control-plane HA on a three-node NATS cluster (real servers, real services, real replicas): one
// provider and one scaler act, their twins stand by; the active provider SIGKILLed hands over to the
// standby, which starts the function's replicas exactly once (local replicas die with their provider),
// while sync calls keep answering and deploys work again.
import 'reflect-metadata';
import { subjects } from '@skiff/contracts';
import { waitFor } from '@skiff/testing';
import { ClusterPlatform } from './cluster-harness';

jest.setTimeout(300_000);

const TAKEOVER_DEADLINE_MS = 60_000; // generous for a loaded 2-core machine; the time itself is measured by the bench

describe('a standby provider and scaler on a NATS cluster', () => {
  const p = new ClusterPlatform({ SKIFF_UPSTREAM_TIMEOUT: '20s' }); // a call in flight at a replica that died fails after it

  /** Replicas of this platform's streams, KV buckets and object stores, by name. */
  const storeReplicas = async () => {
    const jsm = await p.nc.jetstreamManager();
    const out: Record<string, number> = {};
    for (const s of await jsm.streams.list().next())
      if (s.config.name.toUpperCase().includes(subjects.streamPrefix)) out[s.config.name] = s.config.num_replicas;
    return out;
  };
  let before: Record<string, number> = {};

  beforeAll(async () => {
    await p.start();
    // A platform that ran with one copy of each store first: the services started below bring them to three.
    await p.startService('gateway', 'gateway-a', { SKIFF_JS_REPLICAS: '1' });
    before = await storeReplicas();
    await p.stopService('gateway-a');
    await p.startService('provider', 'provider-a');
    await p.startService('provider', 'provider-b');
    await p.startService('scaler', 'scaler-a');
    await p.startService('scaler', 'scaler-b');
    await p.startService('gateway', 'gateway-a');
    await p.startService('gateway', 'gateway-b');
  });

  afterAll(async () => {
    p.saveLogs('failover');
    await p.stop();
  });

  const deploy = (name: string, gateway = 'gateway-a') =>
    p.gateway(gateway).post('/system/functions', {
      service: name,
      image: 'any',
      envProcess: 'cat',
      labels: { 'com.openfaas.scale.min': '2', 'com.openfaas.scale.zero': 'false' },
    });
  const available = async (name: string, gateway = 'gateway-a') => {
    const res = await p.gateway(gateway).get(`/system/function/${name}`, { timeoutMs: 5000 });
    return res.status === 200 ? (res.json() as { availableReplicas: number; replicas: number }) : undefined;
  };

  it('lets one provider and one scaler act; the second of each stands by', async () => {
    expect(await p.isStandby('provider-a')).toBe(false);
    expect(await p.isStandby('provider-b')).toBe(true);
    expect(await p.isStandby('scaler-a')).toBe(false);
    expect(await p.isStandby('scaler-b')).toBe(true);
    const leases = await p.nc.jetstream().views.kv(subjects.leasesBucket, { bindOnly: true });
    const holder = (key: string) => leases.get(key).then((e) => JSON.parse(e?.string() || '{}').holder as string);
    expect(await holder(subjects.providerLeaseKey('local'))).toContain(`port ${p.ports.get('provider-a')}`);
    expect(await holder(subjects.scalerLeaseKey)).toContain(`port ${p.ports.get('scaler-a')}`);
    // Every store of the platform has three copies, also those created with one before SKIFF_JS_REPLICAS=3.
    expect(Object.keys(before).length).toBeGreaterThan(3);
    expect(Object.values(before).every((n) => n === 1)).toBe(true);
    const after = await storeReplicas();
    expect(Object.keys(after)).toEqual(expect.arrayContaining(Object.keys(before)));
    expect(Object.entries(after).filter(([, n]) => n !== 3)).toEqual([]);
  });

  it('the active provider SIGKILLed: the standby takes over, starts each replica once, sync calls keep answering, deploys work again', async () => {
    expect((await deploy('steady')).status).toBeLessThan(300);
    await waitFor('steady to have 2 ready replicas', async () => (await available('steady'))?.availableReplicas === 2, 60_000, 200);
    expect(p.replicaPids('steady')).toHaveLength(2);

    // Sync calls through both gateways the whole time.
    const results: Array<{ status: number; at: number }> = [];
    let calling = true;
    const caller = async (gateway: string) => {
      for (let i = 0; calling; i++) {
        const res = await p
          .gateway(gateway)
          .post('/function/steady', `ping ${i}`, { timeoutMs: 90_000 })
          .catch(() => ({ status: 0, text: '' }));
        results.push({ status: res.status === 200 && res.text === `ping ${i}` ? 200 : res.status, at: Date.now() });
      }
    };
    const callers = [caller('gateway-a'), caller('gateway-b')];
    await waitFor('some calls to answer', () => results.length > 20, 30_000, 50);

    const killedAt = Date.now();
    await p.stopService('provider-a', 'SIGKILL');
    await waitFor('provider-b to take over', async () => !(await p.isStandby('provider-b')), TAKEOVER_DEADLINE_MS, 100);
    // Deploys work again: a new function is accepted and gets its replicas.
    await waitFor('a deploy to be accepted', async () => (await deploy('after')).status < 300, TAKEOVER_DEADLINE_MS, 250);
    const deployedAfterMs = Date.now() - killedAt;
    await waitFor('after to be ready', async () => (await available('after', 'gateway-b'))?.availableReplicas === 2, 60_000, 200);
    await waitFor('steady to be ready again', async () => (await available('steady'))?.availableReplicas === 2, 60_000, 200);
    const since = Date.now();
    await waitFor(
      'calls answered after the takeover',
      () => results.filter((r) => r.at > since && r.status === 200).length > 20,
      60_000,
      100,
    );
    calling = false;
    await Promise.all(callers);

    // No function got extra replicas: the dead provider's replicas are gone, the new leader started each once.
    await waitFor('the old replicas to be gone', () => p.replicaPids('steady').length <= 2, 30_000, 200);
    expect(p.replicaPids('steady')).toHaveLength(2);
    expect(p.replicaPids('after')).toHaveLength(2);
    expect(await available('steady')).toMatchObject({ replicas: 2, availableReplicas: 2 });

    const failed = results.filter((r) => r.status !== 200);
    process.stdout.write(
      `provider failover: ${results.length} sync calls, ${failed.length} failed (${[...new Set(failed.map((f) => f.status))].join(',')}); deploy accepted ${deployedAfterMs} ms after the kill\n`,
    );
    // Local replicas die with their provider: a call in flight at one of them as it died (one per caller at
    // most: each caller waits for its call) gets the gateway's error after its timeout; every other call answers.
    expect(failed.length).toBeLessThanOrEqual(2);
    for (const f of failed) expect([502, 503, 504]).toContain(f.status);

    // The provider that died comes back as the standby.
    await p.startService('provider', 'provider-a');
    expect(await p.isStandby('provider-a')).toBe(true);
  });

  it('the active scaler stopped: the standby takes over and scales', async () => {
    await p.stopService('scaler-a');
    await waitFor('scaler-b to take over', async () => !(await p.isStandby('scaler-b')), TAKEOVER_DEADLINE_MS, 100);
    const res = await p.gateway('gateway-b').post('/system/scale-function/after', { serviceName: 'after', replicas: 3 });
    expect(res.status).toBeLessThan(300);
    await waitFor('after to have 3 replicas', async () => (await available('after'))?.availableReplicas === 3, 60_000, 200);
    expect(p.replicaPids('after')).toHaveLength(3);
  });
});
