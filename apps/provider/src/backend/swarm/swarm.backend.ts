import { Logger } from '@nestjs/common';
import Docker from 'dockerode';
import type { ServiceSpec } from 'dockerode';
import { JSONCodec, NatsConnection, Subscription } from 'nats';
import { FunctionRecord, FunctionUsage, ReplicaEvent, logToken, subjects } from '@skiff/contracts';
import { ProviderEnv } from '../../config/provider.env';
import { SecretStore } from '../../secrets/secret.store';
import { FunctionBackend, ReplicaCounts } from '../function-backend';
import { ReplicaCredentials } from '../replica-credentials';
import { dockerClient } from './docker-client';
import { DockerEvents } from './docker-events';
import { ServiceSettings, buildServiceSpec } from './service-spec';
import { SwarmSecrets } from './swarm-secrets';
import { ServiceView, SwarmState, TaskView, keyOf } from './swarm-state';
import { LABELS, serviceName } from './swarm-names';
import { constraintProblems } from './placement';
import { ContainerUsagePoller } from './container-usage';

const json = JSONCodec<ReplicaEvent>();

/** Least time between two resumes of one service's paused rolling update. */
const RESUME_AFTER_MS = 10_000;

function isStatus(err: unknown, code: number): boolean {
  return (err as { statusCode?: number }).statusCode === code;
}

/**
 * The `swarm` backend: every function is a replicated Docker Swarm service (labelled with the
 * platform's prefix, the function and its namespace, so a restarted provider finds and adopts it),
 * driven through the Docker Engine API of a manager. Services outlive the provider: stopping the
 * provider stops watching, never the functions. Task states come from listings refreshed on every
 * Docker event and every SKIFF_SWARM_RECONCILE_MS.
 */
export class SwarmBackend implements FunctionBackend {
  private readonly logger = new Logger(SwarmBackend.name);
  private readonly docker: Docker;
  private readonly secrets: SwarmSecrets;
  private readonly state = new SwarmState();
  private readonly events: DockerEvents;
  /** The records applied since start: a service that disappears behind Skiff's back is made again. */
  private readonly applied = new Map<string, FunctionRecord>();
  private readonly busy = new Set<string>();
  private readonly subscriptions: Subscription[] = [];
  private settings!: ServiceSettings;
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private refreshAgain = false;
  /** When each service's paused update was last resumed. */
  private readonly resumed = new Map<string, number>();
  private meter?: ContainerUsagePoller;

  constructor(
    private readonly nc: NatsConnection,
    private readonly env: ProviderEnv,
    store: Pick<SecretStore, 'read'>,
    busAccess: Pick<ReplicaCredentials, 'access' | 'perReplica' | 'forFunction'>,
  ) {
    this.docker = dockerClient(env.SKIFF_DOCKER_HOST);
    this.secrets = new SwarmSecrets(this.docker, store, busAccess);
    this.events = new DockerEvents(this.docker, () => this.refreshSoon(), this.logger);
    this.settings = {
      prefix: subjects.prefix,
      natsUrl: busAccess.access.url,
      logLevel: env.SKIFF_LOG_LEVEL,
      user: env.SKIFF_SWARM_FUNCTION_USER,
      network: env.SKIFF_SWARM_NETWORK,
    };
  }

  /** Checks the daemon is a swarm manager, lists what runs, and starts following events. */
  async start(): Promise<void> {
    const info = (await this.docker.info().catch((err: Error) => {
      throw new Error(`SKIFF_BACKEND=swarm: cannot reach dockerd at ${this.env.SKIFF_DOCKER_HOST}: ${err.message}`);
    })) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string } };
    if (info.Swarm?.LocalNodeState !== 'active' || !info.Swarm.ControlAvailable)
      throw new Error(
        `SKIFF_BACKEND=swarm: the dockerd at ${this.env.SKIFF_DOCKER_HOST} is not a swarm manager (run \`docker swarm init\`, or point SKIFF_DOCKER_HOST at a manager)`,
      );
    this.meter = new ContainerUsagePoller(this.docker, info.Swarm.NodeID ?? '');
    const network = await this.docker
      .getNetwork(this.env.SKIFF_SWARM_NETWORK)
      .inspect()
      .catch(() => undefined);
    if (!network) throw new Error(`SKIFF_SWARM_NETWORK: no Docker network named ${this.env.SKIFF_SWARM_NETWORK}`);
    this.settings.network = this.env.SKIFF_SWARM_NETWORK === 'host' ? 'host' : (network as { Id: string }).Id;
    this.subscriptions.push(
      this.nc.subscribe(subjects.replicaReadyAll, { callback: (err, msg) => !err && this.onReplicaEvent('ready', msg.subject, msg.data) }),
      this.nc.subscribe(subjects.replicaGoneAll, { callback: (err, msg) => !err && this.onReplicaEvent('gone', msg.subject, msg.data) }),
    );
    await this.refresh();
    this.events.start();
    this.timer = setInterval(() => this.refreshSoon(), this.env.SKIFF_SWARM_RECONCILE_MS);
    this.timer.unref();
    this.logger.log({
      msg: 'swarm backend ready',
      docker: this.env.SKIFF_DOCKER_HOST,
      network: this.env.SKIFF_SWARM_NETWORK,
      functions: this.state.keys().length,
    });
  }

  /** Placement constraints Docker would refuse, or accept and never satisfy. */
  validate(spec: FunctionRecord['spec']): string[] {
    return constraintProblems(spec.constraints).map((p) => `constraints: ${p}`);
  }

  async apply(record: FunctionRecord): Promise<void> {
    const { spec } = record;
    const key = subjects.functionKey(spec.namespace, spec.service);
    this.busy.add(key);
    const held: string[] = [];
    try {
      const current = await this.inspect(spec.namespace, spec.service);
      const secrets = await this.secrets.mount(spec.namespace, spec.secrets ?? []);
      const credentials = await this.secrets.credentials(spec.namespace, spec.service, current?.Spec);
      held.push(...secrets.map((s) => s.id), ...(credentials ? [credentials.id] : []));
      const desired = buildServiceSpec(record, this.settings, secrets, credentials);
      if (!current) {
        await this.docker.createService(desired).catch(async (err: unknown) => {
          // Made meanwhile (another provider, or a listing that was not current): update it instead.
          if (!isStatus(err, 409)) throw err;
          const made = await this.inspect(spec.namespace, spec.service);
          if (!made) throw err;
          await this.update(made, desired);
        });
        this.logger.log({ msg: 'service created', function: key, service: desired.Name, replicas: record.replicas });
      } else if (current.Spec?.Labels?.[LABELS.specHash] !== desired.Labels?.[LABELS.specHash]) {
        await this.update(current, desired);
        this.logger.log({ msg: 'rolling update', function: key, service: desired.Name, replicas: record.replicas });
      } else if (current.Spec?.Mode?.Replicated?.Replicas !== record.replicas) {
        await this.update(current, { ...current.Spec, Mode: { Replicated: { Replicas: record.replicas } } });
        this.logger.log({ msg: 'scaled', function: key, replicas: record.replicas });
      }
      this.applied.set(key, record);
    } finally {
      this.busy.delete(key);
      this.secrets.release(held);
    }
    this.refreshSoon();
    void this.secrets.sweep().catch(() => undefined);
  }

  async remove(namespace: string, name: string): Promise<void> {
    const key = subjects.functionKey(namespace, name);
    this.applied.delete(key);
    const services = await this.docker.listServices({
      filters: { label: [`${LABELS.prefix}=${subjects.prefix}`, `${LABELS.namespace}=${namespace}`, `${LABELS.function}=${name}`] },
    });
    for (const s of services) {
      await this.docker
        .getService(s.ID)
        .remove()
        .catch((err: unknown) => {
          if (!isStatus(err, 404)) throw err;
        });
      this.logger.log({ msg: 'service removed', function: key, service: s.Spec?.Name });
    }
    await this.refresh();
    await this.secrets.sweep().catch(() => undefined);
  }

  status(namespace: string, name: string): ReplicaCounts {
    return this.state.counts(namespace, name);
  }

  /** CPU and memory from the container stats of the tasks on this Engine's node (last poll; the call starts the next). */
  usage(): FunctionUsage[] {
    if (!this.meter) return [];
    void this.meter.refresh(this.state.running());
    return this.meter.all();
  }

  /** Removes services of this platform whose function is not registered (deleted while the provider was down). */
  async adopt(registered: Set<string>): Promise<void> {
    const services = (await this.docker.listServices({ filters: { label: [`${LABELS.prefix}=${subjects.prefix}`] } })) as ServiceView[];
    for (const s of services) {
      const key = keyOf(s);
      if (!key || registered.has(key) || this.applied.has(key) || this.busy.has(key)) continue;
      this.logger.warn({ msg: 'removing the service of a function that is no longer registered', function: key, service: s.Spec?.Name });
      await this.docker
        .getService(s.ID)
        .remove()
        .catch(() => undefined);
    }
    await this.refresh();
    await this.secrets.sweep().catch(() => undefined);
  }

  /** The provider stops; the functions keep running (a restarted provider adopts them). */
  async stopAll(): Promise<void> {
    this.stopWatching();
  }

  /** Running tasks per node of one function (tests, diagnostics). */
  nodesOf(namespace: string, name: string): Record<string, number> {
    return this.state.nodesOf(namespace, name);
  }

  private stopWatching(): void {
    clearInterval(this.timer);
    this.events.stop();
    for (const sub of this.subscriptions.splice(0)) sub.unsubscribe();
  }

  private async inspect(
    namespace: string,
    name: string,
  ): Promise<{ ID: string; Version?: { Index?: number }; Spec?: ServiceSpec } | undefined> {
    try {
      return await this.docker.getService(serviceName(subjects.prefix, namespace, name)).inspect();
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  private async update(current: { ID: string; Version?: { Index?: number } }, spec: ServiceSpec): Promise<void> {
    // docker-modem: `_query` goes to the query string, `_body` is the request body.
    await this.docker.getService(current.ID).update({ _query: { version: current.Version?.Index }, _body: spec } as never);
  }

  /** Coalesces refreshes: at most one listing in flight, and one more after it when asked meanwhile. */
  private refreshSoon(): void {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = this.refresh()
      .catch((err: Error) => this.logger.warn({ msg: 'could not list the swarm services', err: err.message }))
      .finally(() => {
        this.refreshing = undefined;
        if (this.refreshAgain) {
          this.refreshAgain = false;
          this.refreshSoon();
        }
      });
  }

  private async refresh(): Promise<void> {
    const services = (await this.docker.listServices({ filters: { label: [`${LABELS.prefix}=${subjects.prefix}`] } })) as ServiceView[];
    const tasks = services.length ? ((await this.docker.listTasks({ filters: { service: services.map((s) => s.ID) } })) as TaskView[]) : [];
    this.state.update(services, tasks);
    for (const s of services) if (s.UpdateStatus?.State === 'paused') this.resume(s);
    // A service removed behind Skiff's back (docker service rm) comes back: the registry says it should exist.
    for (const [key, record] of this.applied) {
      if (this.busy.has(key) || this.state.serviceOf(record.spec.namespace, record.spec.service)) continue;
      this.logger.warn({ msg: 'the service of a registered function is missing: creating it again', function: key });
      void this.apply(record).catch((err: Error) =>
        this.logger.error({ msg: 'could not create the service again', function: key, err: err.message }),
      );
    }
  }

  /**
   * Docker pauses a rolling update when a new task fails while it is watched (a crash, a first NATS
   * connect that timed out on a loaded node): the function would stay half old, half new. The update is
   * posted again (which resumes it) at most every RESUME_AFTER_MS, so a task that keeps failing keeps
   * the old tasks serving and retries, as a Kubernetes rollout does.
   */
  private resume(service: ServiceView): void {
    const last = this.resumed.get(service.ID) ?? 0;
    if (Date.now() - last < RESUME_AFTER_MS || !service.Spec) return;
    this.resumed.set(service.ID, Date.now());
    this.logger.warn({ msg: 'rolling update paused by Docker after a failed task: resuming it', service: service.Spec.Name });
    void this.update(service, service.Spec as ServiceSpec).catch((err: Error) =>
      this.logger.warn({ msg: 'could not resume the rolling update', service: service.Spec?.Name, err: err.message }),
    );
  }

  /** replica.ready / replica.gone: the subject names the replica (a replica's bus user may only speak for its function). */
  private onReplicaEvent(kind: 'ready' | 'gone', subject: string, data: Uint8Array): void {
    const from = subjects.replicaEventOf(subject);
    if (!from) return;
    try {
      const event = json.decode(data);
      if (!event || typeof event.instance !== 'string' || logToken(event.instance) !== from.instance) return;
    } catch {
      return;
    }
    this.state.announce(kind, from.namespace, from.name, from.instance);
  }
}
