import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { HttpClient } from './http-client';
import { REPO_ROOT, ServiceProcess } from './service-process';
import { ConnectionOptions, connect } from 'nats';
import { SubjectRegistry } from '@skiff/contracts/subjects';
import { deletePrefixStreams } from './prefix-streams';
import { serviceBusEnv } from './bus-env';
import { TEST_NATS_URL, TEST_REDIS_URL, basicAuthHeader, testNatsOptions } from './test-env';
import { waitFor } from './wait-for';
import { serviceHealth } from './service-health';

/**
 * SKIFF_SANDBOX_HOST_PATHS of test platforms: the fixture folders whose programs tests deploy by
 * absolute path, opened read-only into every replica (nothing else of the project is). A test that
 * needs more appends to it.
 */
export const TEST_SANDBOX_HOST_PATHS = ['test/fixtures', 'test/scaling/fixtures', 'test/portal/fixtures']
  .map((p) => join(REPO_ROOT, p))
  .join(',');

/** The gateway's metrics listener, as a "service" of url() and client(). */
export const GATEWAY_METRICS = 'gateway-metrics';

/** How to start a platform for a test. */
export interface PlatformOptions {
  /** Services to run, in start order (default provider, gateway). */
  services?: string[];
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** Extra environment for one service. */
  serviceEnv?: Record<string, Record<string, string>>;
  /** How long each service may take to answer /healthz. */
  readyTimeoutMs?: number;
}

/** Environment variable holding a service's HTTP port (`SKIFF_<NAME>_PORT`). */
export function portVariable(service: string): string {
  return `SKIFF_${service.toUpperCase().replace(/-/g, '_')}_PORT`;
}

/**
 * Built platform services running as real processes on free ports, sharing the test file's subject
 * prefix (so `subjects` in the test matches) and a temporary data dir. Always `stop()` it in afterAll.
 */
export class Platform {
  /** Running services by name. */
  readonly services = new Map<string, ServiceProcess>();
  /** Processes that were stopped or restarted, kept for their logs. */
  private readonly retired: ServiceProcess[] = [];
  /** The service each instance runs (by instance name; the same name when only one runs). */
  private readonly apps = new Map<string, string>();

  private constructor(
    private readonly env: Record<string, string>,
    private readonly serviceEnv: Record<string, Record<string, string>>,
    /** HTTP port of each service. */
    readonly ports: Record<string, number>,
    /** SKIFF_DATA_DIR of every service (a temporary directory, removed by stop()). */
    readonly dataDir: string,
    private readonly readyTimeoutMs: number,
  ) {}

  /** Starts the services one after the other, each once its /healthz answers 200. */
  static async start(options: PlatformOptions = {}): Promise<Platform> {
    const names = options.services ?? ['provider', 'gateway'];
    const dataDir = mkdtempSync(join(tmpdir(), 'skiff-e2e-'));
    const ports: Record<string, number> = {};
    for (const name of names) ports[name] = await freePort();
    // The gateway serves /metrics on a port of its own: `url('gateway-metrics')`, `client('gateway-metrics')`.
    if (names.includes('gateway')) ports[GATEWAY_METRICS] = await freePort();
    const env: Record<string, string> = {
      SKIFF_NATS_URL: TEST_NATS_URL,
      SKIFF_REDIS_URL: TEST_REDIS_URL,
      SKIFF_SUBJECT_PREFIX: process.env.SKIFF_SUBJECT_PREFIX ?? 'faas',
      SKIFF_DATA_DIR: dataDir,
      SKIFF_LOG_LEVEL: process.env.SKIFF_LOG_LEVEL ?? 'warn',
      SKIFF_SANDBOX_HOST_PATHS: TEST_SANDBOX_HOST_PATHS,
      ...(options.env ?? {}),
    };
    const platform = new Platform(env, options.serviceEnv ?? {}, ports, dataDir, options.readyTimeoutMs ?? 60_000);
    try {
      for (const name of names) await platform.startService(name);
    } catch (err) {
      // The start's error is the one to see, not a clean-up's.
      await platform.stop().catch(() => undefined);
      throw err;
    }
    return platform;
  }

  /** Base URL of a service's HTTP listener. */
  url(service = 'gateway'): string {
    const port = this.ports[service];
    if (!port) throw new Error(`${service} is not part of this platform`);
    return `http://127.0.0.1:${port}`;
  }

  /** An HTTP client for the gateway (sending the test admin's basic auth) or another service. */
  client(service = 'gateway'): HttpClient {
    return new HttpClient(this.url(service), (this.apps.get(service) ?? service) === 'gateway' ? basicAuthHeader() : {});
  }

  /** Connect options for the test's own NATS connection (admin credentials on a secured bus). */
  natsOptions(extra: ConnectionOptions = {}): ConnectionOptions {
    return testNatsOptions(extra, this.env.SKIFF_NATS_URL);
  }

  /** An HTTP client for the gateway without credentials. */
  anonymousClient(): HttpClient {
    return new HttpClient(this.url('gateway'));
  }

  /**
   * Deploys `service` running `envProcess` (default `cat`, an echo) and waits until an anonymous call
   * gets its body back.
   */
  async deployEcho(service = 'echo', envProcess = 'cat', timeoutMs = 90_000): Promise<void> {
    const deployed = await this.client().post('/system/functions', { service, image: 'any', envProcess });
    if (deployed.status !== 202) throw new Error(`deploy of ${service} answered ${deployed.status}: ${deployed.text}`);
    await waitFor(
      `${service} to answer`,
      async () => ((await this.anonymousClient().post(`/function/${service}`, 'hi')).text === 'hi' ? true : undefined),
      timeoutMs,
      250,
    );
  }

  /** The running process of a service. */
  process(service: string): ServiceProcess {
    const proc = this.services.get(service);
    if (!proc) throw new Error(`${service} is not running`);
    return proc;
  }

  /**
   * Starts (or starts again) one service and waits for its /healthz. `app` starts another instance
   * of a service under a name of its own (`startService('gateway-b', 'gateway')`), on a port of its own.
   */
  async startService(name: string, app = this.apps.get(name) ?? name): Promise<ServiceProcess> {
    this.apps.set(name, app);
    this.ports[name] ??= await freePort();
    const env: Record<string, string> = {
      ...this.env,
      [portVariable(app)]: String(this.ports[name]),
      ...(name === 'gateway' ? { SKIFF_GATEWAY_METRICS_PORT: String(this.ports[GATEWAY_METRICS]) } : {}),
      ...(this.serviceEnv[name] ?? {}),
    };
    // As npm start does it: every service connects as its own bus user (and only the provider mints replica users).
    const proc = ServiceProcess.start(app, { ...(await serviceBusEnv(app, env)), ...env }, name);
    this.services.set(name, proc);
    const healthy = await waitFor(
      `${name} /healthz`,
      async () => {
        if (!proc.running) return 'exited';
        // A provider started again after a kill stands by until the dead one's lease expires.
        return (await serviceHealth(this.url(name))) === 'serving' ? 'up' : undefined;
      },
      this.readyTimeoutMs,
      100,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- ${name} output ---\n${proc.log.slice(-4000)}`);
    });
    if (healthy === 'exited') throw new Error(`${name} exited during start:\n${proc.log.slice(-4000)}`);
    return proc;
  }

  /** Stops one service (SIGTERM, bounded) and keeps its output for logs(). */
  async stopService(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = this.services.get(name);
    if (!proc) return;
    this.services.delete(name);
    this.retired.push(proc);
    await proc.stop(signal);
  }

  /** Stops a service and starts it again on the same port. */
  async restart(name: string): Promise<ServiceProcess> {
    await this.stopService(name);
    return this.startService(name);
  }

  /** Names of services that are no longer running although nobody stopped them. */
  crashed(): string[] {
    return [...this.services.entries()].filter(([, p]) => !p.running).map(([name]) => name);
  }

  /** Everything every service printed, for a failing test's message. */
  logs(): string {
    return [...this.retired, ...this.services.values()].map((p) => `--- ${p.name} ---\n${p.log}`).join('\n');
  }

  /** Stops every service in reverse start order, deletes the platform's streams and removes the data dir. */
  async stop(): Promise<void> {
    for (const name of [...this.services.keys()].reverse()) await this.stopService(name);
    rmSync(this.dataDir, { recursive: true, force: true });
    const nc = await connect(this.natsOptions({ name: 'test-cleanup', reconnect: false })).catch(() => undefined);
    if (nc) await deletePrefixStreams(nc, new SubjectRegistry(this.env.SKIFF_SUBJECT_PREFIX)).finally(() => nc.close());
  }
}
