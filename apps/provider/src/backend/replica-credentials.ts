import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { functionReplicaPermissions, natsServers, replicaPermissions, subjects } from '@skiff/contracts';
import { NATS_CONNECTION } from '@skiff/nats';
import { BusIssuer, mintCredentials, readIssuerFile } from '@skiff/nats/auth/bus-credentials';
import { PROVIDER_ENV, ProviderEnv } from '../config/provider.env';

/** How replicas get onto the bus, decided once at start. */
export type ReplicaBusAccess =
  /** Each replica gets credentials of its own, minted here with the account's signing key. */
  | { kind: 'minted'; url: string }
  /** Replicas share the URL an operator gave (SKIFF_REPLICA_NATS_URL, a user restricted by the operator). */
  | { kind: 'url'; url: string }
  /** The bus lets anyone in: replicas need no credentials (and nothing on the bus is protected). */
  | { kind: 'open'; url: string };

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Gives every replica its own bus identity: a NATS user allowed to serve its function's invoke
 * subject in its queue group, reply, pull its function's request bodies and publish its own logs
 * and events, nothing else (`replicaPermissions`). Backend-independent: a backend asks for the
 * credentials of each replica it starts and hands them over without writing them to disk.
 */
@Injectable()
export class ReplicaCredentials {
  private readonly logger = new Logger(ReplicaCredentials.name);
  private readonly issuer?: BusIssuer;
  readonly access: ReplicaBusAccess;
  /** Replica users may connect only from the loopback when the bus is on this host. */
  private readonly sources?: string[];

  constructor(@Inject(PROVIDER_ENV) env: ProviderEnv, @Inject(NATS_CONNECTION) nc: NatsConnection) {
    const url = env.SKIFF_REPLICA_NATS_URL || env.SKIFF_NATS_URL;
    if (env.SKIFF_NATS_ISSUER_FILE) {
      this.issuer = readIssuerFile(env.SKIFF_NATS_ISSUER_FILE);
      this.access = { kind: 'minted', url };
      const local = natsServers(url).servers.every((s) => LOOPBACK_HOSTS.has(new URL(s).hostname));
      if (local) this.sources = ['127.0.0.1/32', '::1/128'];
      this.logger.log(`replica bus access: credentials per replica (own subjects, own inbox${local ? ', loopback only' : ''})`);
    } else if (env.SKIFF_REPLICA_NATS_URL) {
      this.access = { kind: 'url', url };
      this.logger.warn(
        'replica bus access: every replica shares SKIFF_REPLICA_NATS_URL; set SKIFF_NATS_ISSUER_FILE to give each replica credentials limited to its own function',
      );
    } else if (!nc.info?.auth_required) {
      this.access = { kind: 'open', url };
      this.logger.warn(
        'replica bus access: the NATS server lets anonymous clients in, so replicas connect without credentials and function code can use the whole bus',
      );
    } else {
      throw new Error(
        'the NATS server requires credentials, but the provider has none to give replicas: set SKIFF_NATS_ISSUER_FILE (the account signing key that npm start writes) or SKIFF_REPLICA_NATS_URL',
      );
    }
  }

  /** True when every replica gets credentials of its own (forReplica). */
  get perReplica(): boolean {
    return this.issuer !== undefined;
  }

  /** The credentials (`.creds` contents) of one replica; only when `perReplica`. */
  async forReplica(namespace: string, name: string, instance: string): Promise<Uint8Array> {
    if (!this.issuer) throw new Error('replicas get no credentials of their own on this bus');
    const permissions = replicaPermissions(subjects, namespace, name, instance);
    return mintCredentials(this.issuer, `${subjects.prefix}-replica-${instance}`, permissions, { sources: this.sources });
  }

  /**
   * Credentials shared by every replica of one function (`functionReplicaPermissions`), for backends
   * whose replicas the provider does not start itself (kubernetes); only when `perReplica`.
   */
  async forFunction(namespace: string, name: string): Promise<Uint8Array> {
    if (!this.issuer) throw new Error('replicas get no credentials of their own on this bus');
    const permissions = functionReplicaPermissions(subjects, namespace, name);
    return mintCredentials(this.issuer, `${subjects.prefix}-function-${namespace}-${name}`, permissions, { sources: this.sources });
  }
}
