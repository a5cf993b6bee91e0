// Shared set-up of the swarm backend's end-to-end tests: a real swarm (one or two dockerd nodes,
// scripts/docker/swarm-nodes.js), the test function's image pushed to the swarm's local registry, and
// a platform whose provider runs SKIFF_BACKEND=swarm. Everything is named with the run's subject
// prefix and removed by `stop()`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { subjects } from '@skiff/contracts';
import { HttpClient, Platform, REPO_ROOT, TEST_NATS_URL, waitFor } from '@skiff/testing';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const swarmNodes = require(join(REPO_ROOT, 'scripts', 'docker', 'swarm-nodes.js')) as {
  up(options: { nodes: number; own?: boolean; forward: number[]; log: (t: string) => void }): Promise<SwarmEnv>;
  down(state: SwarmEnv, log: (t: string) => void): Promise<void>;
  restartOwnManager(state: SwarmEnv, log: (t: string) => void, whileDown?: () => Promise<void>): Promise<void>;
};

interface SwarmEnv {
  registry: string;
  /** The manager's address (the host end of the veth with two nodes). */
  manager: string;
  node2?: { id: string; sock: string };
  /** The manager's socket when the swarm is the tests' own (`own`). */
  host?: string;
}

/** Runs `docker …`; throws with its output on failure. */
export function docker(...args: string[]): string {
  const r = spawnSync('docker', args, { encoding: 'utf8', input: '' });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout.trim();
}

/** Lines of `docker …` output. */
export function dockerLines(...args: string[]): string[] {
  return docker(...args)
    .split('\n')
    .filter(Boolean);
}

/** A function base with the watchdog of this build (dist/), so the test runs the code under test. */
function baseImage(tag: string): string {
  const script = join(REPO_ROOT, 'scripts', 'docker', 'watchdog-lite-image.sh');
  const r = spawnSync(script, [tag], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script}: ${r.stderr}`);
  return tag;
}

/** Labels filter of everything this test run made. */
export const RUN_LABEL = `com.skiff.prefix=${subjects.prefix}`;

/** A swarm, the test function image in its registry, and a platform on it. */
export class SwarmTestbed {
  platform!: Platform;
  gw!: HttpClient;
  /** The test function's image, pullable by every node. */
  image = '';
  private base = '';
  private env?: SwarmEnv;
  /** The overlay network functions run on (`overlay`). */
  network = '';
  private readonly log = (text: string) => process.stdout.write(`[swarm-test] ${text}\n`);

  /**
   * `own`: a one-node swarm whose manager is a dockerd of this test's own (in a network namespace, see
   * scripts/docker/swarm-nodes.js), which `restartDockerd()` may restart; the host's dockerd only builds
   * and pushes the image. `scalerEnv`: the scaler runs too, with these variables.
   */
  async start(
    nodes: 1 | 2,
    providerEnv: Record<string, string> = {},
    options: { own?: boolean; fixture?: boolean; overlay?: boolean; scalerEnv?: Record<string, string> } = {},
  ): Promise<this> {
    const natsPort = Number(new URL(TEST_NATS_URL.split(',')[0]).port);
    this.env = await swarmNodes.up({ nodes, own: options.own, forward: [natsPort], log: this.log });
    const host: Record<string, string> = this.env.host ? { SKIFF_DOCKER_HOST: this.env.host } : {};
    if (options.overlay) {
      // Functions on an attachable overlay network of their own: each container in its own network
      // namespace, reaching the bus through its node's docker_gwbridge at the manager's address (where
      // a forwarder to the host's NATS listens), not at the loopback.
      this.network = `${subjects.prefix.toLowerCase()}-functions`;
      docker('network', 'create', '-d', 'overlay', '--attachable', '--label', RUN_LABEL, this.network);
      Object.assign(host, { SKIFF_SWARM_NETWORK: this.network, SKIFF_REPLICA_NATS_URL: `nats://${this.env.manager}:${natsPort}` });
    }
    this.platform = await Platform.start({
      services: options.scalerEnv ? ['provider', 'gateway', 'scaler'] : ['provider', 'gateway'],
      serviceEnv: {
        provider: { SKIFF_BACKEND: 'swarm', SKIFF_SWARM_RECONCILE_MS: '1000', ...host, ...providerEnv },
        scaler: options.scalerEnv ?? {},
      },
    });
    this.gw = this.platform.client();
    // `fixture: false`: the test builds its functions itself (skiff up).
    if (options.fixture === false) return this;
    const repo = `${this.env.registry}/${subjects.prefix.toLowerCase()}/swarm-fn`;
    this.image = `${repo}:1`;
    this.base = `skiff-test/${subjects.prefix.toLowerCase()}-base:dev`;
    const fixtures = join(__dirname, 'fixtures');
    docker('build', '-q', '-t', this.image, '--build-arg', `BASE=${baseImage(this.base)}`, '-f', join(fixtures, 'Dockerfile'), fixtures);
    docker('push', '-q', this.image);
    return this;
  }

  /** `docker …` against the swarm's manager (the tests' own dockerd with `own`). */
  docker(...args: string[]): string {
    return docker(...this.hostArgs(), ...args);
  }

  /** Lines of `docker …` against the swarm's manager. */
  dockerLines(...args: string[]): string[] {
    return dockerLines(...this.hostArgs(), ...args);
  }

  private hostArgs(): string[] {
    return this.env?.host ? ['-H', this.env.host] : [];
  }

  /** Restarts the swarm manager's dockerd (only a swarm started with `own`), running `whileDown` while it is stopped. */
  async restartDockerd(whileDown?: () => Promise<void>): Promise<void> {
    if (!this.env?.host) throw new Error('restartDockerd: start the testbed with { own: true }');
    await swarmNodes.restartOwnManager(this.env, this.log, whileDown);
  }

  /** The second node's swarm ID (two-node runs). */
  get node2(): string {
    if (!this.env?.node2) throw new Error('this swarm has one node');
    return this.env.node2.id;
  }

  /** waitFor that appends the services' output to the failure. */
  async eventually<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 180_000): Promise<NonNullable<T>> {
    try {
      return await waitFor(what, probe, timeoutMs, 250);
    } catch (err) {
      const tasks = spawnSync('docker', [...this.hostArgs(), 'service', 'ls'], { encoding: 'utf8' }).stdout;
      throw new Error(
        `${(err as Error).message}\n--- docker service ls ---\n${tasks}\n--- services (tail) ---\n${this.platform?.logs().slice(-8_000)}`,
      );
    }
  }

  /** Services of this run. */
  services(): string[] {
    return this.dockerLines('service', 'ls', '--filter', `label=${RUN_LABEL}`, '--format', '{{.Name}}');
  }

  /** Tasks of one service that are running, as `node-id` per task. */
  runningTasks(service: string): string[] {
    return this.dockerLines(
      'service',
      'ps',
      service,
      '--filter',
      'desired-state=running',
      '--format',
      '{{.CurrentState}}|{{.Node}}|{{.ID}}',
    )
      .filter((l) => l.startsWith('Running'))
      .map((l) => l.split('|')[2]);
  }

  /**
   * Whether a rolling update is over as far as callers can tell: Docker says it completed, and the
   * containers still alive (a replica keeps taking calls until its container gets SIGTERM) are exactly
   * `replicas`, all with `env` (e.g. `VERSION=2`). Counting running tasks is not enough: between two
   * steps of a start-first update there are as many running tasks as replicas, old ones among them, and a
   * task the manager has shut down may still have a live container that answers. One-node swarms only
   * (`docker ps` sees this daemon's containers).
   */
  rolledOut(service: string, env: string, replicas: number): boolean {
    const status = this.docker('service', 'inspect', service, '--format', '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}');
    if (status !== 'completed') return false;
    const alive = this.liveContainers(service);
    if (alive.length !== replicas) return false;
    const envs = this.dockerLines('inspect', '--format', '{{json .Config.Env}}', ...alive).map((l) => JSON.parse(l) as string[]);
    return envs.every((e) => e.includes(env));
  }

  /** Containers of one service that are alive (running or stopping), on the manager's node. */
  liveContainers(service: string): string[] {
    return this.dockerLines('ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`);
  }

  /** Nodes (IDs) of the running tasks of one service. */
  nodesOf(service: string): string[] {
    return this.runningTasks(service).map((task) => this.docker('inspect', '--format', '{{.NodeID}}', task));
  }

  async stop(): Promise<void> {
    await this.platform?.stop();
    // What the provider left (it never removes running functions when it stops).
    for (const id of spawnSync('docker', [...this.hostArgs(), 'service', 'ls', '-q', '--filter', `label=${RUN_LABEL}`], {
      encoding: 'utf8',
    })
      .stdout.split('\n')
      .filter(Boolean))
      spawnSync('docker', [...this.hostArgs(), 'service', 'rm', id]);
    await waitFor(
      "the run's containers to stop",
      // Stopped ones too: Docker removes the containers of a removed service a little later, and an image a
      // stopped container still uses cannot be removed.
      () =>
        spawnSync('docker', [...this.hostArgs(), 'ps', '-aq', '--filter', `label=${RUN_LABEL}`], { encoding: 'utf8' }).stdout.trim() === '',
      60_000,
      500,
    ).catch(() => undefined);
    for (const id of spawnSync('docker', [...this.hostArgs(), 'secret', 'ls', '-q', '--filter', `label=${RUN_LABEL}`], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean))
      spawnSync('docker', [...this.hostArgs(), 'secret', 'rm', id]);
    if (this.network) spawnSync('docker', [...this.hostArgs(), 'network', 'rm', this.network], { stdio: 'ignore' });
    for (const image of [this.image, this.base]) if (image) spawnSync('docker', ['rmi', image], { stdio: 'ignore' });
    const left = [this.image, this.base].filter((i) => i && spawnSync('docker', ['image', 'inspect', i], { stdio: 'ignore' }).status === 0);
    if (left.length) this.log(`could not remove the image(s) ${left.join(', ')}`);
    if (this.env) await swarmNodes.down(this.env, this.log);
  }
}
