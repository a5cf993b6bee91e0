import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { INestApplication, Module, OnApplicationShutdown } from '@nestjs/common';
import { connect } from 'nats';
import { subjects } from '@skiff/contracts/subjects';
import { KvLeaseOptions, LeaderElector, NatsKvLeaderElector, natsConnectionOptions } from '@skiff/nats';
import { ServiceBootstrap, bootstrapService } from './bootstrap';
import { createRootLogger } from './logger';

/** Makes another LeaderElector than the NATS KV lease (a Kubernetes Lease), from the same settings. */
export type ElectorFactory = (options: KvLeaseOptions) => LeaderElector;

/** Gives the lease up once everything else of the app has shut down (the root module's hooks run last). */
class LeaseRelease implements OnApplicationShutdown {
  constructor(private readonly elector: LeaderElector) {}
  async onApplicationShutdown(): Promise<void> {
    await this.elector.stop();
  }
}

/**
 * Starts a service that must run as one active instance (provider, scaler): it first takes the
 * leader lease `key` (a NATS KV lease, see NatsKvLeaderElector). While another instance holds it,
 * this one stands by, serving only `/healthz` (`{"status":"standby"}`) on its port, and takes over
 * when the lease is released or expires: then the app boots as bootstrapService does. A leader that
 * loses the lease exits at once (status 1), so it never acts beside the new one; its local replicas
 * die with it and the new leader starts them. At a clean shutdown the lease is released last.
 */
export async function bootstrapLeader(
  options: ServiceBootstrap & { leaseMs: number },
  key: string,
  makeElector?: ElectorFactory,
): Promise<INestApplication> {
  const log = createRootLogger(options.service, options.logLevel);
  const { leaseMs } = options;
  const nc = await connect({
    ...natsConnectionOptions({ service: options.service, url: options.natsUrl, credsFile: options.natsCreds }),
    name: `${options.service}-lease-${hostname()}-${process.pid}`,
  });
  const holder = `${options.service} ${hostname()} pid ${process.pid} port ${options.port}`;
  const warn = (msg: string) => log.warn({ lease: key }, msg);
  const elector = makeElector?.({ key, holder, leaseMs, warn }) ?? new NatsKvLeaderElector(nc, subjects, { key, holder, leaseMs, warn });

  const standby = createServer((req, res) => {
    const health = req.url === '/healthz' || req.url?.startsWith('/healthz?');
    res.writeHead(health ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'standby', lease: key }));
  });
  const quit = () => {
    log.info({ lease: key }, 'standby stopping');
    void elector
      .stop()
      .then(() => nc.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', quit).on('SIGINT', quit);
  await new Promise<void>((resolve, reject) => standby.once('error', reject).listen(options.port, options.host, resolve));

  const elected = new Promise<void>((resolve) => elector.onChange((leader) => leader && resolve()));
  await elector.start();
  if (!elector.isLeader) {
    log.info({ lease: key, port: options.port }, `${options.service} standing by: another instance holds the lease`);
    await elected;
  }
  process.off('SIGTERM', quit).off('SIGINT', quit);
  standby.closeAllConnections();
  await new Promise((resolve) => standby.close(resolve));
  log.info({ lease: key, leaseMs }, `${options.service} is the leader`);
  elector.onChange((leader) => {
    if (leader) return;
    log.fatal({ lease: key }, `${options.service} lost the leader lease: exiting so that only the new leader acts`);
    process.exit(1);
  });

  @Module({ imports: [options.module], providers: [{ provide: LeaseRelease, useValue: new LeaseRelease(elector) }] })
  class LeaderRoot {}
  return bootstrapService({ ...options, module: LeaderRoot });
}
