import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, credsAuthenticator, NatsConnection } from 'nats';
import { subjects } from '@skiff/contracts';
import {
  HttpClient,
  serviceHealth,
  ServiceProcess,
  TEST_REDIS_URL,
  TEST_SANDBOX_HOST_PATHS,
  basicAuthHeader,
  freePort,
  hostProcesses,
  portVariable,
  serviceBusEnv,
  waitFor,
} from '@skiff/testing';

/** One nats-server of the cluster (scripts/lib/bus-cluster.js). */
export interface ClusterNode {
  index: number;
  url: string;
  /** Port of its route (cluster) listener. */
  clusterPort: number;
  /** The server's log file (in the cluster's temporary directory, removed at stop). */
  logFile: string;
  /** Process id while it runs. */
  readonly pid?: number;
  running: boolean;
  start(): Promise<unknown>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

interface StartedBus {
  url: string;
  issuerFile: string;
  dir: string;
  nodes: ClusterNode[];
  started: { stop(graceMs?: number): Promise<void> };
}

// The same set-up as `SKIFF_NATS_NODES=3 npm start`: operator mode, one user per service.
const bus = require('../../scripts/lib/bus.js') as {
  startBus(o: { ephemeral: boolean; nodes: number; log: (s: string) => void; limits: object }): Promise<StartedBus>;
  platformCredentials(b: StartedBus, prefix: string, dir: string): Promise<{ services: Record<string, string>; admin: string }>;
};

/** Services the cluster tests run, each twice. */
export const CLUSTER_SERVICES = ['provider', 'scaler', 'gateway', 'queue-worker', 'connector-cron'] as const;

/**
 * A three-node NATS cluster on loopback (separate client, route and store per node), secured like
 * npm start's bus, and the platform's services as real processes on it, any number of instances
 * of each (`gateway-a`, `gateway-b`, …), SKIFF_JS_REPLICAS=3.
 */
export class ClusterPlatform {
  readonly services = new Map<string, ServiceProcess>();
  readonly ports = new Map<string, number>();
  private readonly retired: ServiceProcess[] = [];
  bus!: StartedBus;
  nc!: NatsConnection;
  private creds!: { services: Record<string, string>; admin: string };
  private dataDir = '';

  constructor(private readonly env: Record<string, string> = {}) {}

  get url(): string {
    return this.bus.url;
  }

  get nodes(): ClusterNode[] {
    return this.bus.nodes;
  }

  async start(): Promise<this> {
    this.bus = await bus.startBus({
      ephemeral: true,
      nodes: 3,
      log: () => undefined,
      limits: { maxFileBytes: 2 ** 36, maxMemoryBytes: 2 ** 28 },
    });
    this.creds = await bus.platformCredentials(this.bus, subjects.prefix, join(this.bus.dir, 'creds'));
    this.dataDir = mkdtempSync(join(tmpdir(), 'skiff-cluster-'));
    this.nc = await connect({
      servers: this.bus.url.split(','),
      authenticator: credsAuthenticator(new Uint8Array(readFileSync(this.creds.admin))),
      inboxPrefix: subjects.inboxPrefix('test'),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
    // JetStream answers once the cluster has elected its meta leader (jetstreamManager() would ask once and
    // time out before that on a slow machine: ask until it answers).
    const jsm = await this.nc.jetstreamManager({ checkAPI: false });
    await waitFor('the cluster to elect a JetStream leader', () => jsm.getAccountInfo(), 60_000, 200);
    return this;
  }

  /** A client (admin) of one server only: it does not move to another server when that one stops. */
  connectTo(node: ClusterNode): Promise<NatsConnection> {
    return connect({
      servers: node.url,
      authenticator: credsAuthenticator(new Uint8Array(readFileSync(this.creds.admin))),
      inboxPrefix: subjects.inboxPrefix('test'),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
  }

  /** Starts instance `name` of `app` (e.g. `gateway-b`) and waits for its /healthz (a standby answers it too). */
  async startService(app: string, name: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
    if (!this.ports.has(name)) this.ports.set(name, await freePort());
    const base: Record<string, string> = {
      SKIFF_NATS_URL: this.bus.url,
      SKIFF_NATS_CREDS: this.creds.services[app],
      ...(app === 'provider' ? { SKIFF_NATS_ISSUER_FILE: this.bus.issuerFile } : {}),
      // replicaPids finds watchdogs by SKIFF_FUNCTION_NAME in /proc/<pid>/environ: a pooled watchdog's
      // is the pool's (it is given its function later), so these providers start every replica fresh.
      ...(app === 'provider' ? { SKIFF_WATCHDOG_POOL: '0' } : {}),
      SKIFF_REDIS_URL: TEST_REDIS_URL,
      SKIFF_SUBJECT_PREFIX: subjects.prefix,
      // One data dir, as npm start has it: the providers share the secrets key (on several machines: SKIFF_SECRETS_KEY).
      SKIFF_DATA_DIR: this.dataDir,
      SKIFF_LOG_LEVEL: process.env.SKIFF_LOG_LEVEL ?? 'warn',
      SKIFF_SANDBOX_HOST_PATHS: TEST_SANDBOX_HOST_PATHS,
      SKIFF_JS_REPLICAS: '3',
      SKIFF_CALLBACK_ALLOW: '127.0.0.1/32',
      [portVariable(app)]: String(this.ports.get(name)),
      ...this.env,
      ...env,
    };
    // The run's Redis password file (the URL is the run's, so serviceBusEnv adds only that).
    const proc = ServiceProcess.start(app, { ...(await serviceBusEnv(app, base)), ...base }, name);
    this.services.set(name, proc);
    await waitFor(
      `${name} /healthz`,
      async () => {
        if (!proc.running) throw new Error(`${name} exited:\n${proc.log.slice(-3000)}`);
        return (await serviceHealth(this.serviceUrl(name))) !== undefined;
      },
      90_000,
      100,
    );
    return proc;
  }

  /** Stops an instance (SIGTERM: graceful; SIGKILL: a crash) and keeps its output. */
  async stopService(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = this.services.get(name);
    if (!proc) return;
    this.services.delete(name);
    this.retired.push(proc);
    await proc.stop(signal);
  }

  serviceUrl(name: string): string {
    return `http://127.0.0.1:${this.ports.get(name)}`;
  }

  /** The gateway client of one gateway instance (admin login). */
  gateway(name: string): HttpClient {
    return new HttpClient(this.serviceUrl(name), basicAuthHeader());
  }

  /** True when the instance answers /healthz as a standby. */
  async isStandby(name: string): Promise<boolean> {
    return (await serviceHealth(this.serviceUrl(name))) === 'standby';
  }

  /** Host pids of the running watchdogs of one function (not their sandbox wrappers). */
  replicaPids(fn: string): number[] {
    return hostProcesses(
      (p) =>
        p.env.includes(`SKIFF_SUBJECT_PREFIX=${subjects.prefix}`) &&
        p.env.includes(`SKIFF_FUNCTION_NAME=${fn}`) &&
        /watchdog\/src\/main\.js/.test(p.cmdline) &&
        !/^\S*(bwrap|setpriv)\b/.test(p.cmdline),
    );
  }

  /**
   * Writes every instance's output to `$SKIFF_TEST_LOG_DIR/<file>.log` and each nats-server's log to
   * `<file>.nats-<n>.log` when that variable is set (debugging).
   */
  saveLogs(file: string): void {
    const dir = process.env.SKIFF_TEST_LOG_DIR;
    if (!dir) return;
    writeFileSync(
      join(dir, `${file}.log`),
      this.fullLogs()
        .map((p) => `--- ${p.name} ---\n${p.log}`)
        .join('\n'),
    );
    for (const node of this.nodes ?? []) {
      try {
        writeFileSync(join(dir, `${file}.nats-${node.index}.log`), readFileSync(node.logFile));
      } catch {
        // not written yet
      }
    }
  }

  /** The whole output of every instance, stopped ones included. */
  fullLogs(): Array<{ name: string; log: string; exit?: string }> {
    return [...this.retired, ...this.services.values()].map((p) => ({
      name: p.name,
      log: p.log,
      ...(p.running ? {} : { exit: String(p.child.exitCode ?? p.child.signalCode) }),
    }));
  }

  logs(): string {
    return [...this.retired, ...this.services.values()].map((p) => `--- ${p.name} ---\n${p.log.slice(-6000)}`).join('\n');
  }

  async stop(): Promise<void> {
    for (const name of [...this.services.keys()].reverse()) await this.stopService(name);
    await this.nc?.close().catch(() => undefined);
    await this.bus?.started.stop(5000);
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** An HTTP server counting the callbacks it gets, per call id. */
export class CallbackCounter {
  readonly byCall = new Map<string, number>();
  /** When each callback came (Date.now()), per call id. */
  readonly arrivals = new Map<string, number[]>();
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const id = String(req.headers['x-call-id'] ?? '');
        this.byCall.set(id, (this.byCall.get(id) ?? 0) + 1);
        this.arrivals.set(id, [...(this.arrivals.get(id) ?? []), Date.now()]);
        res.end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/cb`;
    return this;
  }

  /** Call ids called back more than once, with how often. */
  duplicates(): Array<[string, number]> {
    return [...this.byCall.entries()].filter(([, n]) => n > 1);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

/** Runs `task` for each of `count` items with at most `width` at once. */
export async function inParallel(count: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await task(next++);
    }),
  );
}
