import { existsSync } from 'node:fs';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { JSONCodec, NatsConnection, Subscription } from 'nats';
import { FunctionRecord, FunctionUsage, ReplicaEvent, ReplicaExitedEvent, logToken, subjects } from '@skiff/contracts';
import { NATS_CONNECTION } from '@skiff/nats';
import { METRICS_REGISTRY } from '@skiff/observability';
import { Registry } from 'prom-client';
import { PROVIDER_ENV, ProviderEnv, shutdownBudget } from '../../config/provider.env';
import { BackendMetrics } from '../backend.metrics';
import { FunctionBackend, ReplicaCounts } from '../function-backend';
import { FunctionSupervisor, SupervisorObserver, SupervisorOptions } from './function-supervisor';
import { LaunchSpec, PROCESS_LAUNCHER, ProcessLauncher } from './process-launcher';
import { RUNTIME_RESOLVER, RuntimeResolver } from './replica-runtime';
import { INHERITED_ENV, buildReplicaTemplate, watchdogArgs } from './replica-template';
import { WatchdogPool, WatchdogPoolOptions } from './watchdog-pool';
import { SecretStore } from '../../secrets/secret.store';
import { sandboxOf } from './replica-sandbox';
import { cpuMillis, memoryBytes } from '@skiff/contracts/resource-quantity';
import { SandboxLauncher } from './sandbox.launcher';
import { relogLine } from './replica-log';
import { CpuSampler } from './replica-cpu';
import { treeMemoryBytes } from './replica-memory';
import { ReplicaCredentials } from '../replica-credentials';

const json = JSONCodec<ReplicaEvent>();
const exitJson = JSONCodec<ReplicaExitedEvent>();

/** True for a launch of an http-mode watchdog (the watchdog's `mode`, or a bridge, which is http mode). */
function httpMode(spec: LaunchSpec): boolean {
  return spec.env.mode?.trim().toLowerCase() === 'http' || Boolean(spec.env.SKIFF_BRIDGE_UPSTREAM?.trim());
}

/** A replica that ran this long without crashing resets its function's backoff. */
const STABLE_AFTER_MS = 30_000;

/**
 * The `local` backend: every replica is a watchdog process on this host, one supervisor per
 * function. Readiness comes from the watchdogs' own `replica.ready` / `replica.gone` events.
 */
@Injectable()
export class LocalBackend implements FunctionBackend, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(LocalBackend.name);
  private readonly supervisors = new Map<string, FunctionSupervisor>();
  private readonly subscriptions: Subscription[] = [];
  private readonly metrics: BackendMetrics;
  private readonly options: SupervisorOptions;
  private readonly cpu = new CpuSampler();
  /** Pre-started watchdogs (SKIFF_WATCHDOG_POOL, SKIFF_WATCHDOG_POOL_HTTP), when replicas are sandboxed. */
  private pools: WatchdogPool[] = [];

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(PROVIDER_ENV) private readonly env: ProviderEnv,
    @Inject(PROCESS_LAUNCHER) private readonly launcher: ProcessLauncher,
    @Inject(RUNTIME_RESOLVER) private readonly runtime: RuntimeResolver,
    @Inject(METRICS_REGISTRY) registry: Registry,
    private readonly secrets: SecretStore,
    private readonly busAccess: ReplicaCredentials,
  ) {
    this.metrics = new BackendMetrics(registry, () => [...this.supervisors.values()].map((s) => [s.label, s.states()]));
    this.options = {
      backoffMinMs: env.SKIFF_RESTART_BACKOFF_MIN_MS,
      backoffMaxMs: Math.max(env.SKIFF_RESTART_BACKOFF_MIN_MS, env.SKIFF_RESTART_BACKOFF_MAX_MS),
      stableAfterMs: STABLE_AFTER_MS,
      rolloutTimeoutMs: env.SKIFF_ROLLOUT_TIMEOUT_MS,
      stopGraceMs: shutdownBudget(env.SKIFF_SHUTDOWN_GRACE_MS).replicaStopGraceMs,
    };
  }

  onModuleInit(): void {
    if (!existsSync(this.env.SKIFF_WATCHDOG_ENTRY)) {
      throw new Error(
        `SKIFF_WATCHDOG_ENTRY ${this.env.SKIFF_WATCHDOG_ENTRY} does not exist: build the watchdog (npm run build) or point the variable at it`,
      );
    }
    this.pools = this.startPools();
    this.subscriptions.push(
      this.nc.subscribe(subjects.replicaReadyAll, { callback: (err, msg) => !err && this.onReplicaEvent('ready', msg.subject, msg.data) }),
      this.nc.subscribe(subjects.replicaGoneAll, { callback: (err, msg) => !err && this.onReplicaEvent('gone', msg.subject, msg.data) }),
    );
  }

  async apply(record: FunctionRecord): Promise<void> {
    const { spec } = record;
    const key = subjects.functionKey(spec.namespace, spec.service);
    const runtime = await this.runtime.resolve(spec);
    // Secrets are read at every apply: a changed secret changes the fingerprint (by revision), so
    // the next update or scale of the function rolls its replicas onto the new value.
    const secrets = await this.secrets.read(spec.namespace, spec.secrets ?? []);
    const template = buildReplicaTemplate(spec, runtime, {
      entry: this.env.SKIFF_WATCHDOG_ENTRY,
      natsUrl: this.busAccess.access.url,
      subjectPrefix: subjects.prefix,
      logLevel: this.env.SKIFF_LOG_LEVEL,
      hostEnv: process.env,
    });
    const limits = this.defaultLimits(spec);
    const sandbox = sandboxOf(spec, secrets, limits);
    template.sandbox = sandbox.sandbox;
    template.fingerprint = JSON.stringify([template.fingerprint, sandbox.fingerprint]);
    // Its own bus user per replica, handed over on a descriptor: never on disk, in the environment or on a command line.
    if (this.busAccess.perReplica) {
      template.perReplica = (instance) => [
        { env: 'SKIFF_NATS_CREDS_FD', data: this.busAccess.forReplica(spec.namespace, spec.service, instance) },
      ];
    }
    let supervisor = this.supervisors.get(key);
    if (!supervisor) {
      supervisor = new FunctionSupervisor(spec.service, spec.namespace, this.pools[0] ?? this.launcher, this.options);
      supervisor.observe(this.observer(supervisor));
      this.supervisors.set(key, supervisor);
    }
    supervisor.apply(template, record.replicas);
  }

  async remove(namespace: string, name: string): Promise<void> {
    const key = subjects.functionKey(namespace, name);
    const supervisor = this.supervisors.get(key);
    if (!supervisor) return;
    this.supervisors.delete(key);
    await supervisor.remove();
  }

  status(namespace: string, name: string): ReplicaCounts {
    return this.supervisors.get(subjects.functionKey(namespace, name))?.counts() ?? { running: 0, available: 0 };
  }

  usage(): FunctionUsage[] {
    const out: FunctionUsage[] = [];
    for (const [key, s] of this.supervisors) {
      const pids = s.pids();
      const memoryBytes = pids.reduce((sum, pid) => sum + treeMemoryBytes(pid), 0);
      out.push({ name: s.name, namespace: s.namespace, replicas: pids.length, cpuMillicores: this.cpu.sample(key, pids), memoryBytes });
    }
    this.cpu.retain(new Set(this.supervisors.keys()));
    return out;
  }

  async stopAll(): Promise<void> {
    const all = [...this.supervisors.values()];
    this.supervisors.clear();
    if (all.length) this.logger.log({ msg: 'stopping every replica', functions: all.length });
    await Promise.all(all.map((s) => s.remove()));
  }

  async onApplicationShutdown(): Promise<void> {
    for (const sub of this.subscriptions.splice(0)) sub.unsubscribe();
    for (const pool of this.pools) pool.close();
    await this.stopAll();
    if (this.launcher instanceof SandboxLauncher) this.launcher.release();
  }

  /**
   * The pools of pre-started watchdogs, only for sandboxed replicas (each pooled one is a sandbox of
   * its own, the same one a function without a bundle, secrets or limits of its own gets). A pooled
   * watchdog knows the bus URL and subject prefix, nothing of any function. http-mode functions take
   * theirs from a pool of their own (first), whose watchdogs have warmed up the http forwarding code;
   * every other launch goes on to the general pool, then to the sandbox launcher. The first pool is
   * the launcher the supervisors use.
   */
  private startPools(): WatchdogPool[] {
    const { env } = this;
    if (!(this.launcher instanceof SandboxLauncher) || !this.launcher.sandboxed) return [];
    const launcher = this.launcher;
    const poolEnv: Record<string, string> = {};
    for (const name of INHERITED_ENV) {
      const value = process.env[name];
      if (value !== undefined) poolEnv[name] = value;
    }
    // The platform's variables every watchdog gets (watchdogPlatformEnv), without the function's.
    const platformEnv = {
      SKIFF_NATS_URL: this.busAccess.access.url,
      SKIFF_SUBJECT_PREFIX: subjects.prefix,
      SKIFF_LOG_LEVEL: env.SKIFF_LOG_LEVEL,
    };
    const pool = (inner: ProcessLauncher, size: number, warm: Record<string, string>, accepts?: WatchdogPoolOptions['accepts']) =>
      new WatchdogPool(inner, {
        size,
        command: process.execPath,
        args: watchdogArgs(env.SKIFF_WATCHDOG_ENTRY),
        env: launcher.sandboxedEnv({ ...poolEnv, ...platformEnv, ...warm }),
        sandbox: { secrets: [], readOnlyRoot: false, limits: this.defaultLimits() },
        sandboxedEnv: (e) => launcher.sandboxedEnv(e),
        accepts,
      });
    const pools: WatchdogPool[] = [];
    let inner: ProcessLauncher = launcher;
    if (env.SKIFF_WATCHDOG_POOL > 0) pools.unshift((inner = pool(inner, env.SKIFF_WATCHDOG_POOL, {})));
    if (env.SKIFF_WATCHDOG_POOL_HTTP > 0) pools.unshift(pool(inner, env.SKIFF_WATCHDOG_POOL_HTTP, { SKIFF_POOL_WARM: 'http' }, httpMode));
    for (const p of pools) p.start();
    if (pools.length) this.logger.log({ msg: 'watchdog pool', size: env.SKIFF_WATCHDOG_POOL, httpSize: env.SKIFF_WATCHDOG_POOL_HTTP });
    return pools;
  }

  /** Limits of a replica whose function sets none. */
  private defaultLimits(spec?: FunctionRecord['spec']) {
    return {
      memoryBytes: memoryBytes(spec?.limits?.memory) ?? memoryBytes(this.env.SKIFF_REPLICA_DEFAULT_MEMORY),
      cpuMillis: cpuMillis(spec?.limits?.cpu),
      pidsMax: this.env.SKIFF_REPLICA_PIDS_MAX,
    };
  }

  /**
   * A replica's bus user may publish events only on subjects naming its own function and instance,
   * so the subject, not the payload, says whose event it is; a payload naming another replica is ignored.
   */
  private onReplicaEvent(kind: 'ready' | 'gone', subject: string, data: Uint8Array): void {
    const from = subjects.replicaEventOf(subject);
    if (!from) return;
    let event: ReplicaEvent;
    try {
      event = json.decode(data);
    } catch {
      return;
    }
    if (!event || typeof event.instance !== 'string' || logToken(event.instance) !== from.instance) return;
    if (event.namespace !== from.namespace || event.name !== from.name) return;
    const supervisor = this.supervisors.get(subjects.functionKey(from.namespace, from.name));
    if (!supervisor?.has(event.instance)) return;
    this.logger.debug({ msg: `replica ${kind}`, replica: event.instance, pid: event.pid, uptimeMs: event.uptimeMs });
    if (kind === 'ready') supervisor.markReady(event.instance);
    else supervisor.markGone(event.instance);
  }

  /**
   * Tells everyone that a replica's process ended (`evt.replica.exited`): the queue-worker fails the
   * async calls that replica held at once instead of waiting for their timeout. The provider sees the
   * exit itself (it supervises the process), so a replica cannot forge it.
   */
  private announceExit(
    supervisor: FunctionSupervisor,
    instance: string,
    reason: string,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    const event: ReplicaExitedEvent = { namespace: supervisor.namespace, name: supervisor.name, instance, reason, code, signal };
    try {
      this.nc.publish(subjects.replicaExited(supervisor.namespace, supervisor.name, instance), exitJson.encode(event));
    } catch (err) {
      this.logger.warn({ msg: 'could not announce a replica exit', replica: instance, err: (err as Error).message });
    }
  }

  private observer(supervisor: FunctionSupervisor): SupervisorObserver {
    const fn = supervisor.label;
    return {
      started: (instance, pid) => {
        this.metrics.starts.inc({ function_name: fn });
        this.logger.log({ msg: 'replica started', function: fn, replica: instance, pid });
      },
      exited: (instance, reason, code, signal) => {
        this.announceExit(supervisor, instance, reason, code, signal);
        this.metrics.exits.inc({ function_name: fn, reason });
        const fields = { function: fn, replica: instance, reason, code, signal };
        if (reason === 'crashed' || reason === 'spawn_failed' || reason === 'killed')
          this.logger.warn({ msg: 'replica ended unexpectedly', ...fields });
        else this.logger.log({ msg: 'replica ended', ...fields });
      },
      line: (instance, stream, text) => relogLine(this.logger, fn, instance, stream, text),
    };
  }
}
