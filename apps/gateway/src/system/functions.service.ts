import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  DeleteFunctionRequest,
  FunctionDeployment,
  FunctionRecord,
  FunctionStatus,
  RPC,
  ScaleServiceRequest,
  parsePayload,
  parseScaleLabels,
  parseTriggerAnnotations,
} from '@skiff/contracts';
import { Bus, RegistrySync, isNoResponder } from '@skiff/nats';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { bodyObject, pickNamespace, withoutEmptyNamespace } from './namespace-param';
import { InvocationCounts } from '../scaling/invocation-counts.service';

/** Longest wait for the local registry copy to show a change the provider confirmed. */
const SYNC_WAIT_MS = 5_000;

/**
 * Function management: validates in the gateway first, then asks the provider over the typed bus,
 * and after a change waits until this gateway's registry copy shows it (so an invoke right after
 * a deploy never gets a stale 404).
 */
@Injectable()
export class FunctionsService {
  private readonly logger = new Logger(FunctionsService.name);

  constructor(
    private readonly bus: Bus,
    private readonly sync: RegistrySync,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly counts: InvocationCounts,
  ) {}

  async list(namespace: unknown): Promise<FunctionStatus[]> {
    const all = await this.bus.request(RPC.functionList, { namespace: this.namespace(namespace) }, this.options());
    return all.map((status) => this.withCount(status));
  }

  async get(name: string, namespace: unknown): Promise<FunctionStatus> {
    return this.withCount(await this.bus.request(RPC.functionGet, { name, namespace: this.namespace(namespace) }, this.options()));
  }

  async deploy(body: unknown, update: boolean): Promise<FunctionStatus> {
    const spec = parsePayload(FunctionDeployment, withoutEmptyNamespace(body));
    spec.namespace = this.namespace(spec.namespace);
    parseScaleLabels(spec.labels, spec.limits ?? null);
    parseTriggerAnnotations(spec.annotations);
    const before = this.sync.current(spec.namespace, spec.service);
    const status = await this.bus.request(update ? RPC.functionUpdate : RPC.functionDeploy, spec, this.options());
    await this.settle(spec.namespace, spec.service, (record) => record !== undefined && record !== before);
    return status;
  }

  async remove(body: unknown, queryNamespace: unknown): Promise<void> {
    const request = parsePayload(DeleteFunctionRequest, withoutEmptyNamespace(bodyObject(body)));
    request.namespace = this.namespace(request.namespace, queryNamespace);
    await this.bus.request(RPC.functionDelete, request, this.options());
    await this.settle(request.namespace, request.functionName, (record) => record === undefined);
  }

  async scale(name: string, body: unknown, queryNamespace: unknown): Promise<void> {
    const request = parsePayload(ScaleServiceRequest, { ...withoutEmptyNamespace(bodyObject(body)), serviceName: name });
    const namespace = this.namespace(request.namespace, queryNamespace);
    const change = { name, namespace, replicas: request.replicas, reason: 'manual' as const };
    try {
      // The scaler owns every change of desired replicas (and records it as a decision).
      await this.bus.request(RPC.scalerScale, change, this.options());
    } catch (err) {
      if (!isNoResponder(err)) throw err;
      // No scaler runs: manual scaling still works, straight through the provider.
      await this.bus.request(RPC.functionScale, change, this.options());
    }
  }

  /** Adds the cumulative invocation count (omitted when 0, as upstream). */
  private withCount(status: FunctionStatus): FunctionStatus {
    const total = this.counts.total(status.namespace, status.name);
    return total > 0 ? { ...status, invocationCount: total } : status;
  }

  private namespace(...candidates: unknown[]): string {
    return pickNamespace(this.config.defaultNamespace, ...candidates);
  }

  private options(): { timeoutMs: number } {
    return { timeoutMs: this.config.upstreamTimeoutMs };
  }

  private async settle(namespace: string, name: string, done: (record: FunctionRecord | undefined) => boolean): Promise<void> {
    const timeoutMs = Math.min(SYNC_WAIT_MS, this.config.upstreamTimeoutMs);
    if (!(await this.sync.until(namespace, name, done, timeoutMs))) {
      this.logger.warn({ msg: 'registry copy did not show the change in time', function: `${name}.${namespace}`, timeoutMs });
    }
  }
}
