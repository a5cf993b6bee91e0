import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { JSONCodec, KV, KvEntry, NatsConnection } from 'nats';
import {
  ERROR_CODES,
  RPC,
  SEALED_SECRET_ALGORITHM,
  Secret,
  SecretSummary,
  SecretTransportKey,
  SkiffError,
  openSecretValue,
  secretSealContext,
  subjects,
  transportKeyPair,
} from '@skiff/contracts';
import { isJetStreamError, kvKeys, NATS_CONNECTION, openKvBucket } from '@skiff/nats';
import { PROVIDER_ENV, ProviderEnv } from '../config/provider.env';
import { SealedValue, SecretCipher, loadSecretsKey } from './secret-cipher';

/** Value of one key in the secrets bucket. */
interface StoredSecret {
  /** The sealed value. */
  sealed: SealedValue;
  /** Last write, RFC 3339. */
  updatedAt: string;
}

/** One secret as a replica receives it (only inside the provider, never over the bus). */
export interface SecretFile {
  /** Secret name: the file name under /var/openfaas/secrets. */
  name: string;
  /** The value. */
  value: Buffer;
  /** KV revision: changes with every write, so replicas know when to restart. */
  revision: number;
}

const codec = JSONCodec<StoredSecret>();

/**
 * Secrets in a JetStream KV bucket (`<P>_secrets`, key `<ns>.<name>`), the provider its only
 * reader and writer. Values are sealed with AES-256-GCM under a key kept in SKIFF_DATA_DIR (or
 * SKIFF_SECRETS_KEY), so the bucket, its backups and anyone reading the stream see no value.
 * No method returns a value over the bus; logs name secrets, never values.
 */
@Injectable()
export class SecretStore implements OnModuleInit {
  private readonly logger = new Logger(SecretStore.name);
  private kv!: KV;
  private cipher!: SecretCipher;
  private transport!: ReturnType<typeof transportKeyPair>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(PROVIDER_ENV) private readonly env: ProviderEnv,
  ) {}

  async onModuleInit(): Promise<void> {
    const { key, source } = loadSecretsKey(this.env.SKIFF_DATA_DIR, this.env.SKIFF_SECRETS_KEY);
    this.cipher = new SecretCipher(key);
    this.transport = transportKeyPair(key);
    this.kv = await openKvBucket(this.nc, subjects.secretsBucket);
    this.logger.log({ msg: 'secrets encrypted at rest', key: source, bucket: subjects.secretsBucket });
  }

  /** Names of the secrets of one namespace, sorted. */
  async list(namespace: string): Promise<SecretSummary[]> {
    const names: string[] = [];
    for (const key of await this.keys(`${namespace}.>`)) names.push(key.slice(namespace.length + 1));
    return names.sort().map((name) => ({ name, namespace }));
  }

  /** Namespaces that hold at least one secret. */
  async namespaces(): Promise<Set<string>> {
    return new Set((await this.keys()).map((k) => k.slice(0, k.indexOf('.'))));
  }

  /** Creates a secret; 409 when it exists. */
  async create(secret: Secret & { namespace: string }): Promise<SecretSummary> {
    const key = subjects.secretKey(secret.namespace, secret.name);
    try {
      await this.kv.create(key, this.encode(key, this.unseal(secret)));
    } catch (err) {
      if (isJetStreamError(err, 'wrongLastSequence'))
        throw new SkiffError(
          ERROR_CODES.secretExists,
          `secret: ${secret.name} already exists in namespace ${secret.namespace} (update it with PUT /system/secrets)`,
        );
      throw err;
    }
    this.logger.log({ msg: 'secret created', secret: key });
    return { name: secret.name, namespace: secret.namespace };
  }

  /** The key the gateway seals values to (derived from the secrets key). */
  transportKey(): SecretTransportKey {
    return { publicKey: this.transport.publicKey, alg: SEALED_SECRET_ALGORITHM };
  }

  /**
   * The value of a create or update, which must arrive sealed to the transport key: a value sent in
   * clear has already been exposed on the bus, so it is refused instead of stored.
   */
  private unseal(secret: Secret & { namespace: string }): Buffer {
    if (secret.value !== undefined || secret.rawValue !== undefined || !secret.sealed) {
      throw new SkiffError(
        ERROR_CODES.invalidRequest,
        `secret values must cross the bus sealed to the provider's transport key (${RPC.secretTransportKey}), never in clear`,
      );
    }
    try {
      return openSecretValue(secret.sealed, this.transport, secretSealContext(secret.namespace, secret.name));
    } catch {
      throw new SkiffError(
        ERROR_CODES.invalidRequest,
        `the sealed value of secret ${secret.name} cannot be opened: sealed to another key or another secret`,
      );
    }
  }

  /** Replaces a secret's value; 404 when missing. */
  async update(secret: Secret & { namespace: string }): Promise<SecretSummary> {
    const key = subjects.secretKey(secret.namespace, secret.name);
    const entry = await this.entry(key);
    if (!entry) throw this.notFound(secret.name, secret.namespace);
    try {
      await this.kv.update(key, this.encode(key, this.unseal(secret)), entry.revision);
    } catch (err) {
      if (isJetStreamError(err, 'wrongLastSequence'))
        throw new SkiffError(ERROR_CODES.unavailable, `secret: ${secret.name} changed during the update; try again`);
      throw err;
    }
    this.logger.log({ msg: 'secret updated', secret: key });
    return { name: secret.name, namespace: secret.namespace };
  }

  /** Deletes a secret; 404 when missing. */
  async remove(name: string, namespace: string): Promise<SecretSummary> {
    const key = subjects.secretKey(namespace, name);
    const entry = await this.entry(key);
    if (!entry) throw this.notFound(name, namespace);
    await this.kv.purge(key, { previousSeq: entry.revision }).catch((err: unknown) => {
      if (isJetStreamError(err, 'wrongLastSequence'))
        throw new SkiffError(ERROR_CODES.unavailable, `secret: ${name} changed during the delete; try again`);
      throw err;
    });
    this.logger.log({ msg: 'secret deleted', secret: key });
    return { name, namespace };
  }

  /** Names among `names` that do not exist in `namespace`. */
  async missing(namespace: string, names: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const name of names) if (!(await this.entry(subjects.secretKey(namespace, name)))) out.push(name);
    return out;
  }

  /** The values of `names` for a replica; a missing or unreadable secret is an error naming it. */
  async read(namespace: string, names: string[]): Promise<SecretFile[]> {
    const files: SecretFile[] = [];
    for (const name of names) {
      const key = subjects.secretKey(namespace, name);
      const entry = await this.entry(key);
      if (!entry) throw this.notFound(name, namespace);
      let value: Buffer;
      try {
        value = this.cipher.open(codec.decode(entry.value).sealed, key);
      } catch {
        throw new SkiffError(
          ERROR_CODES.internal,
          `secret: ${name} in namespace ${namespace} cannot be decrypted with this provider's key (was SKIFF_DATA_DIR or SKIFF_SECRETS_KEY changed?)`,
        );
      }
      files.push({ name, value, revision: entry.revision });
    }
    return files;
  }

  private encode(key: string, value: Buffer): Uint8Array {
    return codec.encode({ sealed: this.cipher.seal(value, key), updatedAt: new Date().toISOString() });
  }

  private async entry(key: string): Promise<KvEntry | undefined> {
    const entry = await this.kv.get(key);
    return entry && entry.operation === 'PUT' ? entry : undefined;
  }

  private async keys(filter?: string): Promise<string[]> {
    return kvKeys(this.nc, subjects.secretsBucket, filter);
  }

  private notFound(name: string, namespace: string): SkiffError {
    return new SkiffError(ERROR_CODES.secretNotFound, `secret: ${name} not found in namespace ${namespace}`);
  }
}
