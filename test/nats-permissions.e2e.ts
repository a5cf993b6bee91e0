// Replicas on a NATS user an operator configured (SKIFF_REPLICA_NATS_URL, for a bus Skiff does not
// run and holds no signing key for): a private nats-server with one user for the platform services and
// one shared by every replica, limited to the subjects a watchdog needs. Functions still deploy and
// answer; the replica user cannot call provider RPCs. (npm start's own bus gives each replica a user
// of its own instead: test/security/bus.e2e.ts.)
import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, NatsConnection } from 'nats';
import { natsServers, subjects } from '@skiff/contracts';
import { HttpClient, Platform, freePort, waitFor } from '@skiff/testing';

jest.setTimeout(180_000);

/** The watchdog's subjects: serve invoke/cancel, announce replica events, ship logs, answer on inboxes. */
function natsConfig(port: number, storeDir: string, prefix: string): string {
  return `
listen: 127.0.0.1:${port}
jetstream { store_dir: "${storeDir}" }
authorization {
  users = [
    { user: platform, password: platform-pw }
    { user: replica, password: replica-pw, permissions: {
        publish: { allow: ["${prefix}.evt.replica.>", "${prefix}.logs.>", "${prefix}.pull.>"] }
        subscribe: { allow: ["${prefix}.invoke.>", "${prefix}.invoke-cancel.>", "_I.${prefix}.r.>"] }
        allow_responses: true
    } }
  ]
}
`;
}

describe('replicas on a restricted NATS user', () => {
  let dir: string;
  let server: ChildProcess;
  let platform: Platform;
  let gw: HttpClient;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-nats-auth-'));
    port = await freePort();
    writeFileSync(join(dir, 'nats.conf'), natsConfig(port, join(dir, 'js'), subjects.prefix));
    server = spawn('nats-server', ['-c', join(dir, 'nats.conf')], { stdio: 'ignore' });
    await waitFor(
      'nats-server',
      () =>
        connect(natsServers(`nats://platform:platform-pw@127.0.0.1:${port}`)).then(
          (nc) => nc.close().then(() => true),
          () => undefined,
        ),
      20_000,
      200,
    );
    platform = await Platform.start({
      env: { SKIFF_NATS_URL: `nats://platform:platform-pw@127.0.0.1:${port}` },
      serviceEnv: { provider: { SKIFF_REPLICA_NATS_URL: `nats://replica:replica-pw@127.0.0.1:${port}` } },
    });
    gw = platform.client();
  });

  afterAll(async () => {
    await platform?.stop();
    server?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploys and invokes a function whose replica has only the watchdog permissions', async () => {
    expect((await gw.post('/system/functions', { service: 'echo', image: 'any', envProcess: 'cat' })).status).toBe(202);
    const reply = await waitFor(
      'echo to answer',
      async () => {
        const r = await gw.post('/function/echo', 'restricted');
        return r.status === 200 ? r : undefined;
      },
      60_000,
      250,
    );
    expect(reply.text).toBe('restricted');
  });

  it('refuses provider RPCs and registry reads to the replica user', async () => {
    let nc: NatsConnection | undefined;
    try {
      nc = await connect(natsServers(`nats://replica:replica-pw@127.0.0.1:${port}`));
      await expect(
        nc.request(subjects.rpc('provider.function.delete'), new TextEncoder().encode('{"functionName":"echo"}'), { timeout: 3_000 }),
      ).rejects.toThrow(/permission/i);
      await expect(nc.request(`$JS.API.DIRECT.GET.KV_${subjects.secretsBucket}`, new Uint8Array(), { timeout: 3_000 })).rejects.toThrow(
        /permission/i,
      );
    } finally {
      await nc?.close();
    }
    expect((await gw.get('/system/function/echo')).status).toBe(200);
  });
});
