import { connect, NatsConnection } from 'nats';
import { subjects } from '@skiff/contracts';
import { testNatsOptions, waitFor } from '@skiff/testing';
import { NatsKvLeaderElector } from './nats-kv-leader-elector';

const LEASE_MS = 1500;

describe('NatsKvLeaderElector (real JetStream)', () => {
  const connections: NatsConnection[] = [];
  const electors: NatsKvLeaderElector[] = [];

  async function elector(key: string, holder: string): Promise<{ elector: NatsKvLeaderElector; nc: NatsConnection; changes: boolean[] }> {
    const nc = await connect(testNatsOptions());
    connections.push(nc);
    const e = new NatsKvLeaderElector(nc, subjects, { key, holder, leaseMs: LEASE_MS });
    electors.push(e);
    const changes: boolean[] = [];
    e.onChange((leader) => changes.push(leader));
    await e.start();
    return { elector: e, nc, changes };
  }

  afterAll(async () => {
    for (const e of electors) await e.stop().catch(() => undefined);
    const admin = connections.find((c) => !c.isClosed());
    await (await admin?.jetstreamManager())?.streams.delete(`KV_${subjects.leasesBucket}`).catch(() => undefined);
    for (const nc of connections) if (!nc.isClosed()) await nc.close();
  });

  it('lets exactly one of several campaigners lead, and a standby takes over when the leader stops', async () => {
    const all = [];
    for (const h of ['a', 'b', 'c']) all.push(await elector('released', h));
    // Several lease periods: the leader keeps renewing, nobody else ever gets in.
    for (let i = 0; i < 8; i++) {
      expect(all.filter((x) => x.elector.isLeader)).toHaveLength(1);
      await new Promise((r) => setTimeout(r, LEASE_MS / 2));
    }
    const first = all.find((x) => x.elector.isLeader)!;
    await first.elector.stop();
    const rest = all.filter((x) => x !== first);
    await waitFor('a standby to take the released lease', () => rest.some((x) => x.elector.isLeader), 10_000, 50);
    expect(rest.filter((x) => x.elector.isLeader)).toHaveLength(1);
    expect(first.changes).toEqual([true]);
  });

  it('hands over when the leader dies without releasing (its key expires on the server)', async () => {
    const a = await elector('expired', 'a');
    const b = await elector('expired', 'b');
    expect([a.elector.isLeader, b.elector.isLeader]).toEqual([true, false]);
    // A dead process: its connection gone, no release.
    await a.nc.close();
    await waitFor('the standby to take the expired lease', () => b.elector.isLeader, 15_000, 50);
    expect(b.changes).toEqual([true]);
  });

  it('steps a leader down when another process overwrote the lease', async () => {
    const a = await elector('stolen', 'a');
    expect(a.elector.isLeader).toBe(true);
    const kv = await a.nc.jetstream().views.kv(subjects.leasesBucket, { bindOnly: true });
    await kv.put('stolen', new TextEncoder().encode('{"holder":"intruder"}'));
    await waitFor('the leader to notice', () => !a.elector.isLeader, 10_000, 50);
    expect(a.changes).toEqual([true, false]);
  });
});
