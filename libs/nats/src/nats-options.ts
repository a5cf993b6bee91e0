import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConnectionOptions } from 'nats';
import { credsAuthenticator } from './auth/native-signer';
import { NatsOptions, Transport } from '@nestjs/microservices';
import { natsServers } from '@skiff/contracts/nats-url';
import { subjects } from '@skiff/contracts/subjects';

/** What a service tells the NATS layer about itself. */
export interface NatsServiceOptions {
  /** Service name, shown as the connection name in NATS monitoring. */
  service: string;
  /** NATS server URL(s), comma-separated. */
  url: string;
  /** The service's NATS credentials file (`SKIFF_NATS_CREDS`, a `.creds` file); none on an open server. */
  credsFile?: string;
  /**
   * The bus user this connection belongs to (default: `service`): names the inbox prefix, which
   * must match the user's permissions (`_I.<prefix>.<role>`).
   */
  role?: string;
  /** How long Nest's transport waits for in-flight handlers on close. */
  gracePeriodMs?: number;
  /**
   * Capture a stack trace for every request so a timeout shows its caller (default true). Hot paths
   * (the gateway's invoke) turn it off: it creates two Error objects per request.
   */
  asyncTraces?: boolean;
  /**
   * Write once per event-loop turn instead of once per microtask (see batchWrites): for services
   * whose traffic is throughput-bound (the queue-worker), not latency-bound. Default false.
   */
  batchWrites?: boolean;
}

/** Connection name: `<service>-<host>-<pid>`. */
export function connectionName(service: string): string {
  return `${service}-${hostname()}-${process.pid}`;
}

/** Options for the raw `nats` client: reconnect forever, quickly. */
export function natsConnectionOptions(options: NatsServiceOptions): ConnectionOptions {
  return {
    // Credentials in SKIFF_NATS_URL (`nats://user:pass@host`) become options: the client ignores them in URLs.
    ...natsServers(options.url),
    // Read at every (re)connect, so a rotated file is picked up without a restart.
    ...(options.credsFile ? { authenticator: credsAuthenticator(() => readFileSync(options.credsFile as string)) } : {}),
    inboxPrefix: subjects.inboxPrefix(options.role ?? options.service),
    name: connectionName(options.service),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
    pingInterval: 10_000,
    noAsyncTraces: options.asyncTraces === false,
  };
}

/** Nest NATS transport options (server and client) for one service. */
export function createNatsTransport(options: NatsServiceOptions): NatsOptions {
  return {
    transport: Transport.NATS,
    options: {
      ...natsConnectionOptions(options),
      gracefulShutdown: true,
      gracePeriod: options.gracePeriodMs ?? 10_000,
    },
  };
}
