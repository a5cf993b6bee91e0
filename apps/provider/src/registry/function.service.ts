import { Inject, Injectable, Logger } from '@nestjs/common';
import { KV, KvEntry } from 'nats';
import {
  DEFAULT_NAMESPACE,
  DeleteFunctionRequest,
  ERROR_CODES,
  EVENTS,
  FunctionDeployment,
  FunctionListRequest,
  FunctionRecord,
  FunctionRef,
  FunctionScaleRequest,
  FunctionStatus,
  FunctionUsage,
  SkiffError,
  isSecretName,
  parsePayload,
  subjects,
} from '@skiff/contracts';
import { Bus, decodeFunctionRecord, encodeFunctionRecord, FunctionRegistryCache, isJetStreamError, RegistrySync } from '@skiff/nats';
import { FUNCTION_BACKEND, FunctionBackend } from '../backend/function-backend';
import { normalizeSpec, toFunctionStatus } from './function-status.mapper';
import { FUNCTIONS_KV } from './registry.tokens';
import { initialReplicas, parseScaleLabels } from '@skiff/contracts/scaling/scale-labels';
import { SecretStore } from '../secrets/secret.store';
import { NamespaceDirectory } from '../namespaces/namespace-directory';
import { FunctionLogPurge } from '../logs/function-log-purge';

/** Compare-and-set attempts before a write gives up on a key other writers keep changing. */
const CAS_ATTEMPTS = 8;

/** How long a write waits for the registry cache to reflect it. */
const SYNC_TIMEOUT_MS = 3_000;

function notFound(name: string, namespace: string): SkiffError {
  return new SkiffError(ERROR_CODES.functionNotFound, `function: ${name}.${namespace} not found`);
}

/**
 * The function registry: every RPC of `provider.function.*` and `provider.namespace.list`.
 * Writes go to the KV bucket with compare-and-set; reads come from the watched cache, which
 * each write waits for, so a read after a write sees it.
 */
@Injectable()
export class FunctionService {
  private readonly logger = new Logger(FunctionService.name);
  constructor(
    @Inject(FUNCTIONS_KV) private readonly kv: KV,
    private readonly cache: FunctionRegistryCache,
    private readonly sync: RegistrySync,
    @Inject(FUNCTION_BACKEND) private readonly backend: FunctionBackend,
    private readonly bus: Bus,
    private readonly secrets: SecretStore,
    private readonly namespaces: NamespaceDirectory,
    private readonly logs: FunctionLogPurge,
  ) {}

  async deploy(payload: unknown): Promise<FunctionStatus> {
    const dep = parsePayload(FunctionDeployment, payload);
    const namespace = dep.namespace || DEFAULT_NAMESPACE;
    const scale = parseScaleLabels(dep.labels, dep.limits ?? null);
    const spec = this.checkedSpec(dep, namespace);
    await this.namespaces.requireExisting(namespace);
    await this.checkSecrets(dep, namespace);
    const now = new Date().toISOString();
    const record: FunctionRecord = {
      spec,
      replicas: initialReplicas(scale),
      createdAt: now,
      updatedAt: now,
    };
    const key = subjects.functionKey(namespace, dep.service);
    const logMark = await this.logs.mark();
    let revision: number;
    try {
      revision = await this.kv.create(key, encodeFunctionRecord(record));
    } catch (err) {
      if (isJetStreamError(err, 'wrongLastSequence')) {
        throw new SkiffError(
          ERROR_CODES.functionExists,
          `function: ${dep.service}.${namespace} already exists (update it with PUT /system/functions)`,
        );
      }
      throw err;
    }
    // Lines a replica of a deleted function of this name wrote after its delete are not this function's.
    await this.logs.purge(namespace, dep.service, logMark);
    await this.written(namespace, dep.service, key, record);
    this.bus.publish(EVENTS.functionDeployed, { name: dep.service, namespace, replicas: record.replicas, revision });
    this.logger.log({ msg: 'function deployed', function: key, replicas: record.replicas, image: dep.image });
    return this.status(record);
  }

  async update(payload: unknown): Promise<FunctionStatus> {
    const dep = parsePayload(FunctionDeployment, payload);
    const namespace = dep.namespace || DEFAULT_NAMESPACE;
    const scale = parseScaleLabels(dep.labels, dep.limits ?? null);
    const spec = this.checkedSpec(dep, namespace);
    await this.checkSecrets(dep, namespace);
    const { record, revision } = await this.modify(dep.service, namespace, (current) => ({
      spec,
      replicas: scale.min !== undefined ? Math.max(current.replicas, scale.min) : current.replicas,
      createdAt: current.createdAt,
      updatedAt: new Date().toISOString(),
    }));
    this.bus.publish(EVENTS.functionUpdated, { name: dep.service, namespace, replicas: record.replicas, revision });
    this.logger.log({ msg: 'function updated', function: subjects.functionKey(namespace, dep.service), replicas: record.replicas });
    return this.status(record);
  }

  async scale(payload: unknown): Promise<FunctionStatus> {
    const req = parsePayload(FunctionScaleRequest, payload);
    const reason = req.reason ?? 'manual';
    let changed = false;
    const { record, revision } = await this.modify(req.name, req.namespace, (current) => {
      changed = current.replicas !== req.replicas;
      return changed ? { ...current, replicas: req.replicas, updatedAt: new Date().toISOString() } : undefined;
    });
    if (changed) {
      this.bus.publish(EVENTS.functionScaled, { name: req.name, namespace: req.namespace, replicas: record.replicas, revision, reason });
      this.logger.log({
        msg: 'function scaled',
        function: subjects.functionKey(req.namespace, req.name),
        replicas: record.replicas,
        reason,
      });
    }
    return this.status(record);
  }

  async remove(payload: unknown): Promise<FunctionRef> {
    const req = parsePayload(DeleteFunctionRequest, payload);
    const name = req.functionName;
    const namespace = req.namespace || DEFAULT_NAMESPACE;
    const key = subjects.functionKey(namespace, name);
    for (let attempt = 1; ; attempt++) {
      const entry = await this.read(key);
      if (!entry) throw notFound(name, namespace);
      try {
        await this.kv.delete(key, { previousSeq: entry.revision });
        break;
      } catch (err) {
        if (!isJetStreamError(err, 'wrongLastSequence') || attempt >= CAS_ATTEMPTS) throw err;
      }
    }
    await this.written(namespace, name, key, undefined);
    await this.logs.purge(namespace, name);
    const marker = await this.kv.get(key).catch(() => null);
    this.bus.publish(EVENTS.functionDeleted, { name, namespace, replicas: 0, revision: marker?.revision ?? 0 });
    this.logger.log({ msg: 'function deleted', function: key });
    return { name, namespace };
  }

  list(payload: unknown): FunctionStatus[] {
    const req = parsePayload(FunctionListRequest, payload ?? {});
    const namespace = req.namespace || DEFAULT_NAMESPACE;
    return this.cache
      .list(namespace)
      .sort((a, b) => a.spec.service.localeCompare(b.spec.service))
      .map((r) => this.status(r));
  }

  get(payload: unknown): FunctionStatus {
    const ref = parsePayload(FunctionRef, payload);
    const record = this.cache.get(ref.namespace, ref.name);
    if (!record) throw notFound(ref.name, ref.namespace);
    return this.status(record);
  }

  /** CPU use per function (empty when the backend cannot measure it). */
  usage(): FunctionUsage[] {
    return this.backend.usage?.() ?? [];
  }

  /** The stored spec of a deploy or update; a 400 with the reasons when the backend cannot run it as asked. */
  private checkedSpec(dep: FunctionDeployment, namespace: string): FunctionRecord['spec'] {
    const spec = normalizeSpec(dep, namespace);
    const problems = this.backend.validate?.(spec) ?? [];
    if (problems.length) throw new SkiffError(ERROR_CODES.invalidRequest, problems.join('; '));
    return spec;
  }

  /** A deploy or update naming a secret that does not exist in the function's namespace is a 400. */
  private async checkSecrets(dep: FunctionDeployment, namespace: string): Promise<void> {
    const bad = (dep.secrets ?? []).filter((name) => !isSecretName(name));
    if (bad.length)
      throw new SkiffError(
        ERROR_CODES.invalidRequest,
        `secrets: invalid secret name(s): ${bad.map((n) => JSON.stringify(String(n).slice(0, 80))).join(', ')}`,
      );
    const missing = await this.secrets.missing(namespace, dep.secrets ?? []);
    if (missing.length) {
      throw new SkiffError(
        ERROR_CODES.invalidRequest,
        `secrets: ${missing.join(', ')} not found in namespace ${namespace} (create with POST /system/secrets first)`,
      );
    }
  }

  private status(record: FunctionRecord): FunctionStatus {
    return toFunctionStatus(record, this.backend.status(record.spec.namespace, record.spec.service));
  }

  /** The live entry of `key`, or undefined when absent or deleted. */
  private async read(key: string): Promise<KvEntry | undefined> {
    const entry = await this.kv.get(key);
    return entry && entry.operation === 'PUT' ? entry : undefined;
  }

  /**
   * Read-modify-write with compare-and-set, retried when another write won the race.
   * `change` returns undefined to leave the record as it is.
   */
  private async modify(
    name: string,
    namespace: string,
    change: (current: FunctionRecord) => FunctionRecord | undefined,
  ): Promise<{ record: FunctionRecord; revision: number }> {
    const key = subjects.functionKey(namespace, name);
    for (let attempt = 1; ; attempt++) {
      const entry = await this.read(key);
      if (!entry) throw notFound(name, namespace);
      const current = decodeFunctionRecord(entry);
      const next = change(current);
      if (!next) return { record: current, revision: entry.revision };
      try {
        const revision = await this.kv.update(key, encodeFunctionRecord(next), entry.revision);
        await this.written(namespace, name, key, next);
        return { record: next, revision };
      } catch (err) {
        if (!isJetStreamError(err, 'wrongLastSequence') || attempt >= CAS_ATTEMPTS) throw err;
      }
    }
  }

  private async written(namespace: string, name: string, key: string, record: FunctionRecord | undefined): Promise<void> {
    const ok = await this.sync.holds(namespace, name, record, SYNC_TIMEOUT_MS);
    if (!ok) this.logger.warn({ msg: 'registry cache did not reflect a write in time; reads may lag', function: key });
  }
}
