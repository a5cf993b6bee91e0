import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { JSONCodec, KV, NatsConnection } from 'nats';
import {
  DEFAULT_NAMESPACE,
  ERROR_CODES,
  FunctionNamespace,
  NAMESPACE_LABEL,
  NAMESPACE_LABEL_VALUES,
  SkiffError,
  subjects,
} from '@skiff/contracts';
import { FunctionRegistryCache, NATS_CONNECTION, openKvBucket } from '@skiff/nats';
import { REGISTRY_CACHE } from '../registry/registry.tokens';
import { SecretStore } from '../secrets/secret.store';

const codec = JSONCodec<FunctionNamespace>();

/** JetStream's "wrong last sequence": the key exists (create) or changed. */
function isConflict(err: unknown): boolean {
  const e = err as { api_error?: { err_code?: number }; message?: string } | undefined;
  return e?.api_error?.err_code === 10071 || /wrong last sequence/i.test(e?.message ?? '');
}

/** A namespace's stored form: labels and annotations only when non-empty (Go omitempty). */
function stored(ns: FunctionNamespace & { name: string }): FunctionNamespace {
  const out: FunctionNamespace = { name: ns.name };
  if (ns.labels && Object.keys(ns.labels).length) out.labels = { ...ns.labels };
  if (ns.annotations && Object.keys(ns.annotations).length) out.annotations = { ...ns.annotations };
  return out;
}

/** The answer for a namespace that exists only because it is the default or holds something. */
function implicit(name: string): FunctionNamespace {
  return { name, labels: { [NAMESPACE_LABEL]: '1' } };
}

/**
 * Namespaces, with faasd's semantics. A namespace exists when it is the default, was created
 * with `POST /system/namespace/`, or holds functions or secrets (deploying into a new namespace
 * needs no separate create). Created ones live in the `<P>_namespaces` KV bucket.
 */
@Injectable()
export class NamespaceService implements OnModuleInit {
  private readonly logger = new Logger(NamespaceService.name);
  private kv!: KV;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(REGISTRY_CACHE) private readonly functions: FunctionRegistryCache,
    private readonly secrets: SecretStore,
  ) {}

  async onModuleInit(): Promise<void> {
    this.kv = await openKvBucket(this.nc, subjects.namespacesBucket);
  }

  /** Every namespace, sorted: the default, created ones, and those holding functions or secrets. */
  async list(): Promise<string[]> {
    const names = new Set<string>([DEFAULT_NAMESPACE, ...(await this.created()), ...(await this.secrets.namespaces())]);
    for (const record of this.functions.list()) names.add(record.spec.namespace);
    return [...names].sort();
  }

  async get(name: string): Promise<FunctionNamespace> {
    const found = await this.find(name);
    if (!found) throw new SkiffError(ERROR_CODES.namespaceNotFound, `namespace: ${name} not found`);
    return found;
  }

  async create(ns: FunctionNamespace & { name: string }): Promise<FunctionNamespace> {
    checkLabels(ns);
    if (await this.find(ns.name)) throw exists(ns.name);
    const value = stored(ns);
    try {
      await this.kv.create(ns.name, codec.encode(value));
    } catch (err) {
      if (isConflict(err)) throw exists(ns.name);
      throw err;
    }
    this.logger.log({ msg: 'namespace created', namespace: ns.name });
    return value;
  }

  async update(ns: FunctionNamespace & { name: string }): Promise<FunctionNamespace> {
    checkLabels(ns);
    await this.get(ns.name);
    const value = stored(ns);
    await this.kv.put(ns.name, codec.encode(value));
    this.logger.log({ msg: 'namespace updated', namespace: ns.name });
    return value;
  }

  async remove(name: string): Promise<{ name: string }> {
    if (name === DEFAULT_NAMESPACE)
      throw new SkiffError(ERROR_CODES.namespaceInUse, `namespace: ${name} is the default namespace and cannot be deleted`);
    const functions = this.functions.list(name).length;
    const secrets = (await this.secrets.list(name)).length;
    if (functions || secrets) {
      throw new SkiffError(
        ERROR_CODES.namespaceInUse,
        `namespace: ${name} still holds ${functions} function(s) and ${secrets} secret(s); delete them first`,
      );
    }
    const entry = await this.kv.get(name);
    if (!entry || entry.operation !== 'PUT') throw new SkiffError(ERROR_CODES.namespaceNotFound, `namespace: ${name} not found`);
    await this.kv.purge(name);
    this.logger.log({ msg: 'namespace deleted', namespace: name });
    return { name };
  }

  private async find(name: string): Promise<FunctionNamespace | undefined> {
    const entry = await this.kv.get(name);
    if (entry && entry.operation === 'PUT') return codec.decode(entry.value);
    if (name === DEFAULT_NAMESPACE || this.functions.list(name).length) return implicit(name);
    if ((await this.secrets.namespaces()).has(name)) return implicit(name);
    return undefined;
  }

  private async created(): Promise<string[]> {
    const out: string[] = [];
    for await (const key of await this.kv.keys()) out.push(key);
    return out;
  }
}

function exists(name: string): SkiffError {
  return new SkiffError(ERROR_CODES.namespaceExists, `namespace: ${name} already exists`);
}

/** faasd: the labels must mark the namespace as OpenFaaS's (`openfaas: "1"`). */
function checkLabels(ns: FunctionNamespace): void {
  const value = ns.labels?.[NAMESPACE_LABEL];
  if (!value || !(NAMESPACE_LABEL_VALUES as readonly string[]).includes(value)) {
    throw new SkiffError(ERROR_CODES.invalidRequest, `labels: must contain ${NAMESPACE_LABEL}: "1" to mark an OpenFaaS namespace`);
  }
}
