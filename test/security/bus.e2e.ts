// The bus as an attacker sees it (audit #3, #16): an anonymous NATS client, function code, a
// function's own credentials, a topic publisher and a service's user each try what the audit did
// (provider RPCs, $JS.API, other functions' subjects, other inboxes, spoofed replica events,
// sniffing secret values). Runs on the test run's bus, which `npm test` sets up as `npm start` does:
// its own nats-server in operator mode, a user per service, a user per replica.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConnectionOptions, NatsConnection, connect, credsAuthenticator } from 'nats';
import { replicaPermissions, servicePermissions, subjects } from '@skiff/contracts';
import { mintCredentials, readIssuerFile } from '@skiff/nats/auth/bus-credentials';
import { HttpClient, Platform, TEST_NATS_ISSUER_FILE, TEST_NATS_URL, runBusCredentials, waitFor } from '@skiff/testing';

jest.setTimeout(180_000);

const NS = 'openfaas-fn';

/** Connects with the given credentials (a .creds file's bytes) and records the permission errors the server sends. */
async function as(creds: Uint8Array | undefined, extra: ConnectionOptions = {}): Promise<{ nc: NatsConnection; violations: string[] }> {
  const options: ConnectionOptions = { servers: TEST_NATS_URL, ...extra };
  if (creds) options.authenticator = credsAuthenticator(creds);
  const nc = await connect(options);
  const violations: string[] = [];
  void (async () => {
    for await (const s of nc.status()) if (s.type === 'error') violations.push(String(s.data));
  })();
  return { nc, violations };
}

async function settle(nc: NatsConnection): Promise<void> {
  await nc.flush().catch(() => undefined);
  await new Promise((r) => setTimeout(r, 300));
}

describe('security: the bus (audit #3, #16)', () => {
  let platform: Platform;
  let gw: HttpClient;
  let admin: NatsConnection;

  beforeAll(async () => {
    if (!TEST_NATS_ISSUER_FILE)
      throw new Error('these tests need the run bus npm test starts (credentials required); SKIFF_NATS_URL named another server');
    platform = await Platform.start();
    gw = platform.client();
    admin = await connect(platform.natsOptions({ name: 'security-admin' }));
    for (const service of ['victim', 'intruder']) {
      expect((await gw.post('/system/functions', { service, image: 'any', envProcess: 'cat' })).status).toBe(202);
    }
    for (const service of ['victim', 'intruder']) {
      await waitFor(`${service} to answer`, async () => (await gw.post(`/function/${service}`, 'ping')).text === 'ping', 60_000, 200);
    }
  });

  afterAll(async () => {
    await admin?.close();
    await platform?.stop();
  });

  /** The credentials the provider gives a replica of `fn` (the same permission set, minted with the run's issuer). */
  function replicaCreds(fn: string, instance = `${fn}-${randomBytes(3).toString('hex')}`): Promise<Uint8Array> {
    return mintCredentials(readIssuerFile(TEST_NATS_ISSUER_FILE!), `attacker-${instance}`, replicaPermissions(subjects, NS, fn, instance));
  }

  it('refuses an anonymous NATS client (#3)', async () => {
    await expect(connect({ servers: TEST_NATS_URL, reconnect: false })).rejects.toMatchObject({ code: 'AUTHORIZATION_VIOLATION' });
  });

  it('refuses function code that talks NATS without credentials (#3, as the audit did from a bash function)', async () => {
    const port = new URL(TEST_NATS_URL).port;
    expect((await gw.post('/system/functions', { service: 'probe', image: 'any', envProcess: 'bash' })).status).toBe(202);
    // The call's body is the script: it opens the NATS port and tries to list every stream.
    const script = [
      `exec 3<>/dev/tcp/127.0.0.1/${port} || { echo no-connection; exit 0; }`,
      `read -r -t 5 info <&3; echo "\${info%% *}"`,
      `printf 'CONNECT {"verbose":false,"pedantic":false}\\r\\nSUB _INBOX.x 1\\r\\nPUB $JS.API.STREAM.NAMES _INBOX.x 0\\r\\n\\r\\nPING\\r\\n' >&3`,
      `while read -r -t 5 line <&3; do echo "$line"; case "$line" in PONG*|-ERR*) break;; esac; done`,
    ].join('\n');
    const reply = await waitFor(
      'the probe to run',
      async () => {
        const r = await gw.post('/function/probe', script);
        return r.status === 200 ? r : undefined;
      },
      60_000,
      300,
    );
    expect(reply.text).toContain('INFO');
    expect(reply.text).toMatch(/-ERR 'Authorization Violation'/);
    expect(reply.text).not.toMatch(/"streams"/);
  });

  it("keeps a function's own credentials to its own subjects (#3, #16)", async () => {
    const { nc, violations } = await as(await replicaCreds('intruder'), {
      inboxPrefix: subjects.replicaInboxPrefix(NS, 'intruder', 'intruder-x'),
    });
    try {
      // Joining another function's queue group, or its own subject outside the queue group, or the platform's inboxes.
      const stolen: string[] = [];
      nc.subscribe(subjects.invoke(NS, 'victim'), {
        queue: subjects.queues.invoke(NS, 'victim'),
        callback: (e, m) => !e && stolen.push(m.string()),
      });
      nc.subscribe(subjects.invoke(NS, 'intruder'), { callback: (e, m) => !e && stolen.push(m.string()) });
      nc.subscribe('_INBOX.>', { callback: (e, m) => !e && stolen.push(m.string()) });
      nc.subscribe(subjects.inboxAll, { callback: (e, m) => !e && stolen.push(m.string()) });
      nc.subscribe(`${subjects.prefix}.>`, { callback: (e, m) => !e && stolen.push(m.string()) });
      await settle(nc);
      expect((await gw.post('/function/victim', 'victim-private-payload')).text).toBe('victim-private-payload');
      await settle(nc);
      expect(stolen).toEqual([]);
      await waitFor('five permission errors', () => violations.filter((v) => /PERMISSIONS_VIOLATION/.test(v)).length >= 5, 5_000);

      // Provider RPCs, the JetStream API and other platforms' subjects.
      const before = (await gw.get('/system/functions')).json<unknown[]>().length;
      await expect(
        nc.request(subjects.rpc('provider.function.deploy'), JSON.stringify({ service: 'planted', image: 'any', envProcess: 'cat' }), {
          timeout: 2000,
        }),
      ).rejects.toThrow();
      await expect(nc.request(subjects.rpc('provider.function.list'), '{}', { timeout: 2000 })).rejects.toThrow();
      await expect(nc.request('$JS.API.STREAM.NAMES', '', { timeout: 2000 })).rejects.toThrow();
      await expect(nc.request(`$JS.API.STREAM.PURGE.${subjects.logStream}`, '', { timeout: 2000 })).rejects.toThrow();
      expect((await gw.get('/system/functions')).json<unknown[]>().length).toBe(before);
    } finally {
      await nc.close();
    }
  });

  it('cannot speak for another replica: replica events name their instance, and only that replica may send them (#16)', async () => {
    const instance = `intruder-${randomBytes(3).toString('hex')}`;
    const { nc, violations } = await as(await replicaCreds('intruder', instance), {
      inboxPrefix: subjects.replicaInboxPrefix(NS, 'intruder', instance),
    });
    const seen: string[] = [];
    const sub = admin.subscribe(subjects.replicaGoneAll, { callback: (_e, m) => seen.push(m.subject) });
    try {
      await admin.flush();
      const victimReplica = `victim-${randomBytes(3).toString('hex')}`;
      const event = JSON.stringify({ name: 'victim', namespace: NS, instance: victimReplica, pid: 1, host: 'x', uptimeMs: 1 });
      nc.publish(subjects.replicaGone(NS, 'victim', victimReplica), event);
      nc.publish(subjects.replicaGone(NS, 'intruder', `intruder-other`), event);
      // Its own subject is allowed (positive control), even with a payload that names the victim: the provider goes by the subject.
      nc.publish(subjects.replicaGone(NS, 'intruder', instance), event);
      await settle(nc);
      await settle(admin);
      expect(seen).toEqual([subjects.replicaGone(NS, 'intruder', instance)]);
      await waitFor('two permission errors', () => violations.filter((v) => /PERMISSIONS_VIOLATION/.test(v)).length >= 2, 5_000);
      // The victim still answers: its replica was not marked as draining.
      const status = (await gw.get('/system/function/victim')).json<{ availableReplicas: number }>();
      expect(status.availableReplicas).toBe(1);
    } finally {
      sub.unsubscribe();
      await nc.close();
    }
  });

  it('lets a topic publisher publish topics and nothing else (#3)', async () => {
    const creds = await runBusCredentials(subjects.prefix);
    const { nc, violations } = await as(new Uint8Array(readFileSync(creds!.publisher)));
    const got: string[] = [];
    const sub = admin.subscribe(`${subjects.prefix}.>`, { callback: (_e, m) => got.push(m.subject) });
    try {
      await admin.flush();
      nc.publish(subjects.topic('orders'), '{"id":1}');
      nc.publish(subjects.rpc('provider.function.list'), '{}');
      nc.publish(subjects.invoke(NS, 'victim'), 'x');
      nc.subscribe('>');
      await settle(nc);
      await settle(admin);
      expect(got).toEqual([subjects.topic('orders')]);
      await waitFor('three permission errors', () => violations.filter((v) => /PERMISSIONS_VIOLATION/.test(v)).length >= 3, 5_000);
    } finally {
      sub.unsubscribe();
      await nc.close();
    }
  });

  it("gives each service only its own part: the webhook connector cannot deploy, the scaler cannot read secrets, no service reaches another platform's streams", async () => {
    const issuer = readIssuerFile(TEST_NATS_ISSUER_FILE!);
    const webhook = await as(await mintCredentials(issuer, 'webhook-probe', servicePermissions(subjects, 'connector-webhook')), {
      inboxPrefix: subjects.inboxPrefix('connector-webhook'),
    });
    const scaler = await as(await mintCredentials(issuer, 'scaler-probe', servicePermissions(subjects, 'scaler')), {
      inboxPrefix: subjects.inboxPrefix('scaler'),
    });
    try {
      await expect(webhook.nc.request(subjects.rpc('provider.function.deploy'), '{}', { timeout: 2000 })).rejects.toThrow();
      await expect(scaler.nc.request(`$JS.API.STREAM.INFO.KV_${subjects.secretsBucket}`, '', { timeout: 2000 })).rejects.toThrow();
      await expect(scaler.nc.request('$JS.API.STREAM.INFO.KV_OTHERPLATFORM_functions', '', { timeout: 2000 })).rejects.toThrow();
      // Positive control: what the scaler needs works.
      const info = await scaler.nc.request(`$JS.API.STREAM.INFO.KV_${subjects.functionsBucket}`, '', { timeout: 5000 });
      expect(info.string()).toContain(`KV_${subjects.functionsBucket}`);
    } finally {
      await webhook.nc.close();
      await scaler.nc.close();
    }
  });

  it('never carries a secret value in clear: everything on the bus while a secret is created, updated and used (#3)', async () => {
    const value = `sniffed-plaintext-${randomBytes(8).toString('hex')}`;
    const rotated = `rotated-${randomBytes(8).toString('hex')}`;
    const seen: Buffer[] = [];
    const sub = admin.subscribe('>', { callback: (_e, m) => seen.push(Buffer.from(m.data)) });
    try {
      await admin.flush();
      expect((await gw.post('/system/secrets', { name: 'db-pass', value })).status).toBe(202);
      expect((await gw.put('/system/secrets', { name: 'db-pass', rawValue: Buffer.from(rotated).toString('base64') })).status).toBe(202);
      // The function answers a digest of what it read: its answer crosses the bus too.
      expect(
        (
          await gw.post('/system/functions', {
            service: 'reads-secret',
            image: 'any',
            envProcess: 'sha256sum /var/openfaas/secrets/db-pass',
            secrets: ['db-pass'],
          })
        ).status,
      ).toBe(202);
      const read = await waitFor(
        'the function to read its secret',
        async () => {
          const r = await gw.post('/function/reads-secret', '');
          return r.status === 200 ? r.text : undefined;
        },
        60_000,
        300,
      );
      expect(read.split(' ')[0]).toBe(createHash('sha256').update(rotated).digest('hex'));
      await settle(admin);
      const all = Buffer.concat(seen);
      expect(all.length).toBeGreaterThan(0);
      expect(all.includes(value)).toBe(false);
      expect(all.includes(Buffer.from(value).toString('base64'))).toBe(false);
      expect(all.includes(rotated)).toBe(false);
      expect(all.includes(Buffer.from(rotated).toString('base64'))).toBe(false);
    } finally {
      sub.unsubscribe();
    }
  });

  it('refuses a secret value sent to the provider in clear, so no client can leak one onto the bus', async () => {
    const reply = await admin.request(
      subjects.rpc('provider.secret.create'),
      JSON.stringify({ data: { name: 'clear', namespace: NS, value: 'in-clear' }, id: 'x' }),
      { timeout: 5000 },
    );
    expect(reply.string()).toMatch(/sealed/);
    expect((await gw.get('/system/secrets')).json<Array<{ name: string }>>().map((s) => s.name)).not.toContain('clear');
  });
});
