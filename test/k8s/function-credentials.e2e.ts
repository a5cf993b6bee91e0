// The NATS user the kubernetes backend gives every pod of one function (functionReplicaPermissions:
// pods come and go without the provider, so they share one user per function), tried as an attacker
// on the run's real bus: it must reach its own function's subjects under any instance and nothing
// of another function — in particular not another function's replica inboxes (replies, pulled bodies).
import { NatsConnection, connect, credsAuthenticator } from 'nats';
import { adminPermissions, functionReplicaPermissions, subjects } from '@skiff/contracts';
import { mintCredentials, readIssuerFile } from '@skiff/nats/auth/bus-credentials';
import { TEST_NATS_ISSUER_FILE, TEST_NATS_URL, waitFor } from '@skiff/testing';

const NS = 'openfaas-fn';

async function as(permissions: Parameters<typeof mintCredentials>[2], inboxPrefix?: string) {
  const issuer = readIssuerFile(TEST_NATS_ISSUER_FILE!);
  const creds = await mintCredentials(issuer, `k8s-test-${Math.random().toString(36).slice(2)}`, permissions);
  const nc = await connect({ servers: TEST_NATS_URL, authenticator: credsAuthenticator(creds), inboxPrefix });
  const violations: string[] = [];
  void (async () => {
    for await (const s of nc.status()) if (s.type === 'error') violations.push(String(s.data));
  })();
  return { nc, violations };
}

describe('security: the per-function NATS user of the kubernetes backend', () => {
  let admin: NatsConnection;
  let intruder: { nc: NatsConnection; violations: string[] };

  beforeAll(async () => {
    if (!TEST_NATS_ISSUER_FILE) throw new Error('this test needs the run bus npm test starts (operator mode with an issuer)');
    admin = (await as(adminPermissions())).nc;
    intruder = await as(
      functionReplicaPermissions(subjects, NS, 'intruder'),
      subjects.replicaInboxPrefix(NS, 'intruder', 'intruder-7d9f-x2'),
    );
  });

  afterAll(async () => {
    await intruder?.nc.close();
    await admin?.close();
  });

  it("receives its own function's replies under any pod name, never another function's", async () => {
    const got: string[] = [];
    const record = (e: unknown, m: { subject: string }) => !e && got.push(m.subject);
    intruder.nc.subscribe(`${subjects.replicaInboxesOf(NS, 'victim')}.>`, { callback: record });
    intruder.nc.subscribe(`${subjects.replicaInboxAll}`, { callback: record });
    intruder.nc.subscribe(`${subjects.replicaInboxesOf(NS, 'intruder')}.>`, { callback: record });
    await intruder.nc.flush();
    await waitFor(
      'two permission violations',
      () => intruder.violations.filter((v) => /PERMISSIONS_VIOLATION|Permissions Violation/i.test(v)).length >= 2,
      5_000,
    );
    admin.publish(`${subjects.replicaInboxPrefix(NS, 'victim', 'victim-abc-1')}.body`, 'victim-private');
    admin.publish(`${subjects.replicaInboxPrefix(NS, 'intruder', 'intruder-abc-2')}.body`, 'own');
    await admin.flush();
    await waitFor("its own function's reply", () => got.length >= 1, 5_000);
    await intruder.nc.flush();
    expect(got).toEqual([`${subjects.replicaInboxPrefix(NS, 'intruder', 'intruder-abc-2')}.body`]);
  });

  it("publishes its own function's logs and replica events under any pod name, never another function's", async () => {
    const seen: string[] = [];
    const sub = admin.subscribe(`${subjects.prefix}.>`, { callback: (e, m) => !e && seen.push(m.subject) });
    await admin.flush();
    intruder.nc.publish(subjects.functionLog(NS, 'intruder', 'intruder-abc-3'), 'line');
    intruder.nc.publish(subjects.replicaReady(NS, 'intruder', 'intruder-abc-3'), '{}');
    intruder.nc.publish(subjects.functionLog(NS, 'victim', 'victim-abc-1'), 'forged');
    intruder.nc.publish(subjects.replicaGone(NS, 'victim', 'victim-abc-1'), '{}');
    intruder.nc.publish(subjects.invoke(NS, 'victim'), 'call');
    await intruder.nc.flush();
    await waitFor('its own two messages', () => seen.length >= 2, 5_000);
    await admin.flush();
    sub.unsubscribe();
    expect(seen.sort()).toEqual(
      [subjects.functionLog(NS, 'intruder', 'intruder-abc-3'), subjects.replicaReady(NS, 'intruder', 'intruder-abc-3')].sort(),
    );
  });
});
