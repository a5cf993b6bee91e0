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
  up(options: { nodes: number; forward: number[]; log: (t: string) => void }): Promise<SwarmEnv>;
  down(state: SwarmEnv, log: (t: string) => void): Promise<void>;
};

interface SwarmEnv {
  registry: string;
  node2?: { id: string; sock: string };
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
  private readonly log = (text: string) => process.stdout.write(`[swarm-test] ${text}\n`);

  async start(nodes: 1 | 2, providerEnv: Record<string, string> = {}): Promise<this> {
    const natsPort = Number(new URL(TEST_NATS_URL.split(',')[0]).port);
    this.env = await swarmNodes.up({ nodes, forward: [natsPort], log: this.log });
    this.platform = await Platform.start({
      services: ['provider', 'gateway'],
      serviceEnv: { provider: { SKIFF_BACKEND: 'swarm', SKIFF_SWARM_RECONCILE_MS: '1000', ...providerEnv } },
    });
    const repo = `${this.env.registry}/${subjects.prefix.toLowerCase()}/swarm-fn`;
    this.image = `${repo}:1`;
    this.base = `skiff-test/${subjects.prefix.toLowerCase()}-base:dev`;
    const fixtures = join(__dirname, 'fixtures');
    docker('build', '-q', '-t', this.image, '--build-arg', `BASE=${baseImage(this.base)}`, '-f', join(fixtures, 'Dockerfile'), fixtures);
    docker('push', '-q', this.image);
    this.gw = this.platform.client();
    return this;
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
      const tasks = spawnSync('docker', ['service', 'ls'], { encoding: 'utf8' }).stdout;
      throw new Error(
        `${(err as Error).message}\n--- docker service ls ---\n${tasks}\n--- services (tail) ---\n${this.platform?.logs().slice(-8_000)}`,
      );
    }
  }

  /** Services of this run. */
  services(): string[] {
    return dockerLines('service', 'ls', '--filter', `label=${RUN_LABEL}`, '--format', '{{.Name}}');
  }

  /** Tasks of one service that are running, as `node-id` per task. */
  runningTasks(service: string): string[] {
    return dockerLines('service', 'ps', service, '--filter', 'desired-state=running', '--format', '{{.CurrentState}}|{{.Node}}|{{.ID}}')
      .filter((l) => l.startsWith('Running'))
      .map((l) => l.split('|')[2]);
  }

  /** Nodes (IDs) of the running tasks of one service. */
  nodesOf(service: string): string[] {
    return this.runningTasks(service).map((task) => docker('inspect', '--format', '{{.NodeID}}', task));
  }

  async stop(): Promise<void> {
    await this.platform?.stop();
    // What the provider left (it never removes running functions when it stops).
    for (const id of spawnSync('docker', ['service', 'ls', '-q', '--filter', `label=${RUN_LABEL}`], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean))
      spawnSync('docker', ['service', 'rm', id]);
    await waitFor(
      "the run's containers to stop",
      () => spawnSync('docker', ['ps', '-q', '--filter', `label=${RUN_LABEL}`], { encoding: 'utf8' }).stdout.trim() === '',
      60_000,
      500,
    ).catch(() => undefined);
    for (const id of spawnSync('docker', ['secret', 'ls', '-q', '--filter', `label=${RUN_LABEL}`], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean))
      spawnSync('docker', ['secret', 'rm', id]);
    for (const image of [this.image, this.base]) if (image) spawnSync('docker', ['rmi', image]);
    if (this.env) await swarmNodes.down(this.env, this.log);
  }
}
