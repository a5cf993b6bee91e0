import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { JSONCodec, KV, NatsConnection } from 'nats';
import { DEFAULT_NAMESPACE, ERROR_CODES, FunctionNamespace, NAMESPACE_LABEL, SkiffError, subjects } from '@skiff/contracts';
import { FunctionRegistryCache, kvKeys, NATS_CONNECTION, openKvBucket } from '@skiff/nats';
import { SecretStore } from '../secrets/secret.store';

export const namespaceCodec = JSONCodec<FunctionNamespace>();

/** The answer for a namespace that exists only because it is the default or holds something. */
function implicit(name: string): FunctionNamespace {
  return { name, labels: { [NAMESPACE_LABEL]: '1' } };
}

/**
 * Which namespaces exist, with faasd's semantics: the default, those created with
 * `POST /system/namespace/` (the `<P>_namespaces` KV bucket), and those that hold functions or
 * secrets (made before deploys were refused elsewhere, or by a secret). The one place that answers
 * "does this namespace exist"; NamespaceService writes the bucket through `bucket`.
 */
@Injectable()
export class NamespaceDirectory implements OnModuleInit {
  private kv!: KV;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly functions: FunctionRegistryCache,
    private readonly secrets: SecretStore,
  ) {}

  async onModuleInit(): Promise<void> {
    this.kv = await openKvBucket(this.nc, subjects.namespacesBucket);
  }

  /** The bucket of created namespaces. */
  get bucket(): KV {
    return this.kv;
  }

  /** Every namespace, sorted. */
  async list(): Promise<string[]> {
    const names = new Set<string>([DEFAULT_NAMESPACE, ...(await this.created()), ...(await this.secrets.namespaces())]);
    for (const record of this.functions.list()) names.add(record.spec.namespace);
    return [...names].sort();
  }

  async find(name: string): Promise<FunctionNamespace | undefined> {
    const entry = await this.kv.get(name);
    if (entry && entry.operation === 'PUT') return namespaceCodec.decode(entry.value);
    if (name === DEFAULT_NAMESPACE || this.functions.list(name).length) return implicit(name);
    if ((await this.secrets.namespaces()).has(name)) return implicit(name);
    return undefined;
  }

  /** A deploy into a namespace that does not exist is a 400 with the reason (faasd: "namespace not valid"). */
  async requireExisting(name: string): Promise<void> {
    if (await this.find(name)) return;
    throw new SkiffError(
      ERROR_CODES.invalidRequest,
      `namespace not valid: "${name}" was never created (create it first: POST /system/namespace/ {"name":"${name}","labels":{"openfaas":"1"}} or skiff namespace create ${name})`,
    );
  }

  private async created(): Promise<string[]> {
    return kvKeys(this.nc, subjects.namespacesBucket);
  }
}
