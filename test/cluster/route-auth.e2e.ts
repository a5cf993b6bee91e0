// The route ports of Skiff's NATS cluster (SKIFF_NATS_NODES=3 npm start, scripts/lib/bus-cluster.js)
// are an attack surface: a server that joins the cluster receives every account's messages, whatever
// the client credentials say. An attacker who can reach a route port starts their own nats-server
// with a route to it and an account named like the platform's (its public key is in every user JWT),
// and subscribes to `>` there. Without the route password the cluster must refuse that server; with
// it (the control case) the same set-up joins and sees the traffic, so the test can tell the two apart.
import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, NatsConnection, StringCodec } from 'nats';
import { freePort, waitFor } from '@skiff/testing';
import { ClusterPlatform } from './cluster-harness';

jest.setTimeout(180_000);

const sc = StringCodec();

/** A nats-server that is not Skiff's, routing to one of Skiff's route ports, and a client on it listening to everything. */
class RogueServer {
  private child?: ChildProcess;
  private dir = '';
  log = '';
  http = 0;
  spy?: NatsConnection;
  readonly seen: string[] = [];

  constructor(private readonly account: string) {}

  async start(route: string): Promise<this> {
    this.dir = mkdtempSync(join(tmpdir(), 'skiff-rogue-'));
    const [port, cluster] = [await freePort(), await freePort()];
    this.http = await freePort();
    const config = join(this.dir, 'rogue.conf');
    writeFileSync(
      config,
      [
        `server_name: rogue`,
        `listen: "127.0.0.1:${port}"`,
        `http: "127.0.0.1:${this.http}"`,
        `accounts { ${this.account}: { users: [{ user: spy, password: spy }] } }`,
        `cluster { name: skiff, listen: "127.0.0.1:${cluster}", routes: [${JSON.stringify(route)}] }`,
        '',
      ].join('\n'),
    );
    this.child = spawn(process.env.SKIFF_NATS_SERVER_BIN || 'nats-server', ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (d: Buffer) => (this.log += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    this.spy = await waitFor(
      'the rogue server to take clients',
      () => connect({ servers: `nats://127.0.0.1:${port}`, user: 'spy', pass: 'spy' }),
      30_000,
      200,
    );
    const sub = this.spy.subscribe('>');
    void (async () => {
      for await (const m of sub) this.seen.push(sc.decode(m.data));
    })();
    await this.spy.flush();
    return this;
  }

  /** Routes the rogue server has (its /routez). */
  async routes(): Promise<number> {
    const res = await fetch(`http://127.0.0.1:${this.http}/routez`);
    return ((await res.json()) as { num_routes: number }).num_routes;
  }

  async stop(): Promise<void> {
    await this.spy?.close().catch(() => undefined);
    if (this.child && this.child.exitCode === null) {
      const exited = new Promise((r) => this.child?.once('exit', r));
      this.child.kill('SIGKILL');
      await exited;
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

describe("the NATS cluster's route ports", () => {
  const p = new ClusterPlatform();
  let account = '';
  let routePort = 0;
  let rogue: RogueServer | undefined;

  beforeAll(async () => {
    await p.start();
    // The platform account's public key: no secret (every user JWT names it as its issuer_account).
    account = readFileSync(p.bus.issuerFile, 'utf8').split('\n')[1].trim();
    routePort = p.nodes[0].clusterPort;
  });
  afterEach(async () => {
    await rogue?.stop();
    rogue = undefined;
  });
  afterAll(() => p.stop());

  /** Publishes a marker on the cluster (through every node's client port, via the admin connection). */
  const publish = async (text: string) => {
    p.nc.publish('skiff.route-auth.probe', sc.encode(text));
    await p.nc.flush();
  };

  it("still form a working JetStream cluster among Skiff's own nodes (a stream with three copies)", async () => {
    const jsm = await p.nc.jetstreamManager();
    const name = 'ROUTEAUTH_PROBE';
    await jsm.streams.add({ name, subjects: ['routeauth.probe'], num_replicas: 3 });
    const info = await waitFor(
      'three current copies',
      async () => {
        const i = await jsm.streams.info(name);
        return i.cluster?.replicas?.length === 2 && i.cluster.replicas.every((r) => r.current) ? i : undefined;
      },
      60_000,
      200,
    );
    expect(info.config.num_replicas).toBe(3);
    await jsm.streams.delete(name);
  });

  it.each([
    ['no credentials', (port: number) => `nats-route://127.0.0.1:${port}`],
    ['a wrong password', (port: number) => `nats-route://skiff-route:guessed@127.0.0.1:${port}`],
  ])('refuse a server with %s: it gets no route and sees no message', async (_case, route) => {
    rogue = await new RogueServer(account).start(route(routePort));
    // Either the node refused it (it logs the violation) or it joined (it has routes): wait for one of the two.
    await waitFor(
      'the route attempt to be answered',
      async () => /Authorization Violation/.test(rogue!.log) || (await rogue!.routes()) > 0,
      60_000,
      200,
    );
    for (let i = 0; i < 5; i++) await publish(`secret-${i}`);
    await rogue.spy!.flush();
    await new Promise((r) => setTimeout(r, 1000)); // time for routed messages to arrive, had it joined
    expect({ routes: await rogue.routes(), seen: rogue.seen.filter((m) => m.startsWith('secret-')) }).toEqual({ routes: 0, seen: [] });
  });

  it('let a server with the cluster route password join (control: the probe sees a server that joins)', async () => {
    const secret = readFileSync(join(p.bus.dir, 'route.secret'), 'utf8').trim();
    rogue = await new RogueServer(account).start(`nats-route://skiff-route:${secret}@127.0.0.1:${routePort}`);
    await waitFor('the server to join', async () => (await rogue!.routes()) > 0, 60_000, 200);
    await waitFor(
      'a message routed to it',
      async () => {
        await publish('secret-joined');
        return rogue!.seen.includes('secret-joined');
      },
      30_000,
      200,
    );
  });
});
