import { waitFor } from '@skiff/testing/wait-for';
import { KubernetesLeaseElector } from '../../apps/provider/src/leadership/kubernetes-lease-elector';
import { leaseName } from '../../apps/provider/src/leadership/kubernetes-elector-factory';
import { KubeClients } from '../../apps/provider/src/backend/kubernetes/kube-clients';
import { FakeApiServer } from './fake-apiserver/fake-apiserver';
import { fakeCluster } from './fake-apiserver/fake-cluster';

const NS = 'openfaas';
const NAME = leaseName('faas', 'provider.kubernetes');

describe('provider leader election on a coordination.k8s.io Lease (fake API server)', () => {
  let fake: FakeApiServer;
  let clients: KubeClients;
  const electors: KubernetesLeaseElector[] = [];

  function elector(holder: string, leaseMs = 1_000): KubernetesLeaseElector {
    const e = new KubernetesLeaseElector(clients.coordination, { namespace: NS, name: NAME, holder, leaseMs });
    electors.push(e);
    return e;
  }
  const lease = () => fake.store.get('leases', NS, NAME) as unknown as { spec: Record<string, unknown> } | undefined;

  beforeEach(async () => {
    ({ fake, clients } = await fakeCluster({ [NS]: {} }));
  });

  afterEach(async () => {
    await Promise.all(electors.splice(0).map((e) => e.stop()));
    await fake.stop();
    expect(fake.violations).toEqual([]);
  });

  it('names the Lease as a DNS subdomain', () => {
    expect(NAME).toBe('skiff-faas-provider.kubernetes');
    expect(leaseName('_My_Prefix', 'provider.kubernetes')).toBe('skiff-my-prefix-provider.kubernetes');
  });

  it('one of two candidates leads; the other takes over when the leader releases the Lease', async () => {
    const a = elector('provider-a');
    const b = elector('provider-b');
    const changes: string[] = [];
    b.onChange((leader) => changes.push(`b:${leader}`));
    await a.start();
    await b.start();
    expect(a.isLeader).toBe(true);
    expect(b.isLeader).toBe(false);
    expect(lease()?.spec).toMatchObject({ holderIdentity: 'provider-a', leaseDurationSeconds: 1, leaseTransitions: 0 });
    // MicroTime on the wire has six fraction digits (the fake answers 400 otherwise, as the API server does).
    expect(lease()?.spec.renewTime).toMatch(/\.\d{6}Z$/);
    await a.stop();
    expect(lease()?.spec.holderIdentity).toBeUndefined();
    await waitFor('b to lead', () => b.isLeader);
    expect(changes).toEqual(['b:true']);
    expect(lease()?.spec).toMatchObject({ holderIdentity: 'provider-b', leaseTransitions: 0 });
  });

  it('takes over a Lease whose holder stopped renewing, only after a whole lease duration by its own clock', async () => {
    const a = elector('provider-a');
    await a.start();
    // The leader vanishes without releasing (a crashed pod): no more renewals.
    (a as unknown as { stopped: boolean }).stopped = true;
    clearTimeout((a as unknown as { timer: NodeJS.Timeout }).timer);
    const b = elector('provider-b');
    const started = Date.now();
    await b.start();
    expect(b.isLeader).toBe(false);
    await waitFor('b to take the expired lease', () => b.isLeader, 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(lease()?.spec).toMatchObject({ holderIdentity: 'provider-b', leaseTransitions: 1 });
  });

  it('a leader that finds another holder in the Lease steps down at once', async () => {
    const a = elector('provider-a', 2_000);
    const seen: boolean[] = [];
    a.onChange((leader) => seen.push(leader));
    await a.start();
    const l = fake.store.get('leases', NS, NAME)!;
    (l.spec as Record<string, unknown>).holderIdentity = 'intruder';
    fake.store.update('leases', NS, l);
    await waitFor('a to step down', () => !a.isLeader);
    expect(seen).toEqual([true, false]);
  });
});
