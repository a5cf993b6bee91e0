import { Injectable, Logger } from '@nestjs/common';
import { DEFAULT_NAMESPACE, ERROR_CODES, FunctionNamespace, NAMESPACE_LABEL, NAMESPACE_LABEL_VALUES, SkiffError } from '@skiff/contracts';
import type { KV } from 'nats';
import { FunctionRegistryCache, isJetStreamError } from '@skiff/nats';
import { SecretStore } from '../secrets/secret.store';
import { NamespaceDirectory, namespaceCodec as codec } from './namespace-directory';

/** A namespace's stored form: labels and annotations only when non-empty (Go omitempty). */
function stored(ns: FunctionNamespace & { name: string }): FunctionNamespace {
  const out: FunctionNamespace = { name: ns.name };
  if (ns.labels && Object.keys(ns.labels).length) out.labels = { ...ns.labels };
  if (ns.annotations && Object.keys(ns.annotations).length) out.annotations = { ...ns.annotations };
  return out;
}

/** Namespace CRUD with faasd's semantics (which ones exist: NamespaceDirectory). */
@Injectable()
export class NamespaceService {
  private readonly logger = new Logger(NamespaceService.name);

  constructor(
    private readonly directory: NamespaceDirectory,
    private readonly functions: FunctionRegistryCache,
    private readonly secrets: SecretStore,
  ) {}

  list(): Promise<string[]> {
    return this.directory.list();
  }

  private get kv(): KV {
    return this.directory.bucket;
  }

  private find(name: string): Promise<FunctionNamespace | undefined> {
    return this.directory.find(name);
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
      if (isJetStreamError(err, 'wrongLastSequence')) throw exists(ns.name);
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
