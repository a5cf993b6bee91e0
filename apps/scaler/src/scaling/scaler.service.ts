import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  AlertManagerPayload,
  DEFAULT_NAMESPACE,
  ERROR_CODES,
  EVENTS,
  FunctionRecord,
  FunctionRef,
  FunctionScaleRequest,
  FunctionStatus,
  FunctionUsage,
  InvocationStatsEvent,
  RPC,
  ScaleReason,
  SkiffError,
  WakeResult,
  alertReplicas,
  awakeMinimum,
  effectiveScaleSettings,
  parseFunctionRef,
  parsePayload,
  subjects,
} from '@skiff/contracts';
import { Bus, FunctionRegistryCache } from '@skiff/nats';
import { HealthService } from '@skiff/observability';
import { Subscription } from 'nats';
import { SCALER_ENV, ScalerEnv } from '../config/scaler.env';
import { InvocationCounters } from '../counters/invocation-counters';
import { MetricsHistoryWriter } from '../history/metrics-history.writer';
import { LoadTracker } from '../load/load-tracker';
import { Decision, PolicyConfig, ScalingState, decide, measuresUsage } from './scaling.policy';
import { ScalerMetrics } from './scaler.metrics';
import { INVOCATION_COUNTERS, SCALER_METRICS } from './scaler.tokens';

/** How long one provider call may take. */
const PROVIDER_TIMEOUT_MS = 10_000;

/**
 * Owns every change of desired replicas: manual scale, AlertManager alerts, the built-in
 * autoscaler, scale to zero when idle and wake from zero. Each change is one decision with its
 * reason, logged, counted and published as `evt.scale.decision`.
 */
@Injectable()
export class ScalerService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ScalerService.name);
  private readonly load = new LoadTracker();
  private readonly states = new Map<string, ScalingState>();
  /** Per-function chain so decisions about one function never overlap. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly subscriptions: Subscription[] = [];
  private readonly policy: PolicyConfig;
  private tickTimer?: NodeJS.Timeout;
  private flushTimer?: NodeJS.Timeout;
  private ticking = false;
  /** CPU and memory per function (`provider.function.usage`), refreshed each tick a cpu or memory rule needs it. */
  private usage = new Map<string, FunctionUsage>();

  constructor(
    private readonly bus: Bus,
    @Inject(SCALER_ENV) private readonly env: ScalerEnv,
    private readonly registry: FunctionRegistryCache,
    @Inject(INVOCATION_COUNTERS) private readonly counters: InvocationCounters,
    @Inject(SCALER_METRICS) private readonly metrics: ScalerMetrics,
    health: HealthService,
    private readonly history: MetricsHistoryWriter,
  ) {
    this.policy = {
      autoscale: env.SKIFF_SCALER_AUTOSCALE,
      rpsThreshold: env.SKIFF_SCALER_RPS_THRESHOLD,
      rateWindowMs: env.SKIFF_SCALER_RATE_WINDOW_MS,
      sustainMs: env.SKIFF_SCALER_SUSTAIN_MS,
      stepIntervalMs: env.SKIFF_SCALER_STEP_INTERVAL_MS,
      cooldownMs: env.SKIFF_SCALER_COOLDOWN_MS,
      downWindowMs: env.SKIFF_SCALER_DOWN_WINDOW_MS,
    };
    metrics.snapshot = () => this.snapshot();
    health.register('registry', () => (registry.watching ? undefined : 'registry watch stopped'));
  }

  onModuleInit(): void {
    this.subscriptions.push(
      this.bus.subscribe(EVENTS.invocations, (event) => this.onInvocations(event)),
      this.bus.subscribe(EVENTS.alert, (payload) => this.onAlert(payload)),
      this.bus.subscribe(EVENTS.functionDeleted, (e) => this.forget(e.namespace, e.name)),
    );
    this.tickTimer = setInterval(() => void this.tick(), this.env.SKIFF_SCALER_INTERVAL_MS);
    this.flushTimer = setInterval(() => void this.counters.flush(), this.env.SKIFF_SCALER_COUNTERS_FLUSH_MS);
    this.logger.log({ msg: 'scaler running', autoscale: this.policy.autoscale, intervalMs: this.env.SKIFF_SCALER_INTERVAL_MS });
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.tickTimer);
    clearInterval(this.flushTimer);
    for (const sub of this.subscriptions.splice(0)) sub.unsubscribe();
    await this.counters.flush();
  }

  /** `scaler.scale`: a manual change of desired replicas. */
  async scale(payload: unknown): Promise<FunctionStatus> {
    const req = parsePayload(FunctionScaleRequest, payload);
    const record = this.record(req.namespace, req.name);
    return this.serial(req.namespace, req.name, () =>
      this.apply(record, req.replicas, req.reason ?? 'manual', 'requested through the API'),
    );
  }

  /** `scaler.wake`: brings a function at 0 replicas up to its minimum; a no-op when it has replicas. */
  async wake(payload: unknown): Promise<WakeResult> {
    const ref = parsePayload(FunctionRef, payload);
    this.record(ref.namespace, ref.name);
    const status = await this.serial(ref.namespace, ref.name, async () => {
      const record = this.record(ref.namespace, ref.name);
      if (record.replicas > 0)
        return this.bus.request(RPC.functionGet, { name: ref.name, namespace: ref.namespace }, { timeoutMs: PROVIDER_TIMEOUT_MS });
      const to = awakeMinimum(effectiveScaleSettings(record.spec.labels));
      this.metrics.wakes.inc({ function_name: label(ref.namespace, ref.name) });
      return this.apply(record, to, 'wake', 'a call arrived while it had no replica');
    });
    return { replicas: status.replicas ?? 0, availableReplicas: status.availableReplicas ?? 0 };
  }

  /** Feeds load and counters. */
  onInvocations(event: InvocationStatsEvent): void {
    this.load.add(event);
    this.counters.add(event);
    this.history.addInvocations(event);
  }

  /** OpenFaaS's alert handler: firing steps up, resolved goes back to min; unknown functions are ignored. */
  async onAlert(payload: AlertManagerPayload): Promise<void> {
    const namespace = payload.defaultNamespace || DEFAULT_NAMESPACE;
    for (const alert of payload.alerts) {
      const ref = parseFunctionRef(alert.labels.function_name ?? '', namespace);
      const record = ref && this.registry.get(ref.namespace, ref.name);
      if (!ref || !record) {
        this.metrics.alerts.inc({ status: alert.status, outcome: 'unknown_function' });
        this.logger.debug({ msg: 'alert for an unknown function ignored', function_name: alert.labels.function_name });
        continue;
      }
      await this.serial(ref.namespace, ref.name, async () => {
        const current = this.record(ref.namespace, ref.name);
        const settings = effectiveScaleSettings(current.spec.labels);
        const firing = alert.status === 'firing';
        // A resolved alert must not wake a function that went to sleep meanwhile.
        if (!firing && current.replicas === 0) return this.metrics.alerts.inc({ status: alert.status, outcome: 'unchanged' });
        const to = firing ? alertReplicas(current.replicas, true, settings) : Math.max(1, alertReplicas(current.replicas, false, settings));
        if (to === current.replicas) return this.metrics.alerts.inc({ status: alert.status, outcome: 'unchanged' });
        try {
          await this.apply(current, to, 'alert', `${alert.labels.alertname ?? 'alert'} ${alert.status}`);
          this.metrics.alerts.inc({ status: alert.status, outcome: 'scaled' });
        } catch {
          this.metrics.alerts.inc({ status: alert.status, outcome: 'failed' });
        }
      }).catch(() => undefined);
    }
  }

  /** One pass of the autoscaler and the idle rule over every function. */
  async tick(now = Date.now()): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const records = this.registry.list();
      if (this.policy.autoscale && records.some((r) => measuresUsage(effectiveScaleSettings(r.spec.labels, r.spec.limits))))
        await this.refreshUsage();
      for (const record of records) {
        const { namespace, service: name } = record.spec;
        const key = subjects.functionKey(namespace, name);
        if (this.queues.has(key)) continue;
        const settings = effectiveScaleSettings(record.spec.labels, record.spec.limits);
        const load = this.load.of(key);
        const usage = this.usage.get(key);
        const state = this.state(key, now);
        const decision = decide(
          record.replicas,
          settings,
          {
            rps: load.rate(this.policy.rateWindowMs, now),
            okRps: load.rate(this.policy.rateWindowMs, now, true),
            inflight: load.inflight(now),
            cpuMillicores: usage?.cpuMillicores,
            memoryBytes: usage?.memoryBytes,
            lastActiveAt: load.lastActiveAt,
          },
          state,
          this.policy,
          now,
        );
        if (decision) void this.serial(namespace, name, () => this.applyDecision(record, decision, now)).catch(() => undefined);
      }
    } finally {
      this.ticking = false;
    }
  }

  private async applyDecision(record: FunctionRecord, decision: Decision, now: number): Promise<void> {
    const current = this.record(record.spec.namespace, record.spec.service);
    if (current.replicas !== record.replicas) return; // someone else changed it since the tick read it
    if (decision.pressureSince !== undefined && decision.replicas > current.replicas)
      this.metrics.delay.observe((now - decision.pressureSince) / 1000);
    await this.apply(current, decision.replicas, decision.reason, decision.detail, false);
  }

  /** Sends the change to the provider and records the decision. */
  private async apply(record: FunctionRecord, to: number, reason: ScaleReason, detail: string, resetRules = true): Promise<FunctionStatus> {
    const { namespace, service: name } = record.spec;
    const fn = label(namespace, name);
    const from = record.replicas;
    let status: FunctionStatus;
    try {
      status = await this.bus.request(RPC.functionScale, { name, namespace, replicas: to, reason }, { timeoutMs: PROVIDER_TIMEOUT_MS });
    } catch (err) {
      this.metrics.failures.inc({ function_name: fn, reason });
      this.logger.warn({ msg: 'scale decision failed', function: fn, from, to, reason, detail, error: (err as Error).message });
      throw err;
    }
    await this.settled(namespace, name, to);
    const now = Date.now();
    const state = this.state(subjects.functionKey(namespace, name), now);
    // Another source (manual, alert, wake) resets the autoscaler's memory; its own steps keep it.
    if (resetRules) state.reset(now);
    else if (to > from) state.awakeSince = now;
    if (to !== from) {
      this.metrics.decisions.inc({ function_name: fn, reason, direction: to > from ? 'up' : 'down' });
      this.logger.log({ msg: 'scale decision', function: fn, from, to, reason, detail });
      this.bus.publish(EVENTS.scaleDecision, { name, namespace, from, to, reason, detail, at: now });
    }
    return status;
  }

  /** Waits (bounded) until the registry copy shows the change, so the next tick does not decide on stale data. */
  private async settled(namespace: string, name: string, replicas: number): Promise<void> {
    for (let waited = 0; waited < 3_000; waited += 20) {
      const record = this.registry.get(namespace, name);
      if (!record || record.replicas === replicas) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Runs `work` after every earlier decision about the same function. */
  private serial<T>(namespace: string, name: string, work: () => Promise<T>): Promise<T> {
    const key = subjects.functionKey(namespace, name);
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(work);
    const tail = run.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }

  private record(namespace: string, name: string): FunctionRecord {
    const record = this.registry.get(namespace, name);
    if (!record) throw new SkiffError(ERROR_CODES.functionNotFound, `function: ${name}.${namespace} not found`);
    return record;
  }

  private state(key: string, now: number): ScalingState {
    let state = this.states.get(key);
    if (!state) this.states.set(key, (state = new ScalingState(now)));
    return state;
  }

  private async forget(namespace: string, name: string): Promise<void> {
    const key = subjects.functionKey(namespace, name);
    this.states.delete(key);
    this.load.forget(key);
    await this.counters.forget(key);
  }

  private async refreshUsage(): Promise<void> {
    try {
      const usage = await this.bus.request(RPC.functionUsage, {}, { timeoutMs: 2_000 });
      this.usage = new Map(usage.map((u) => [subjects.functionKey(u.namespace, u.name), u]));
    } catch (err) {
      this.logger.debug({ msg: 'cpu and memory usage unavailable', error: (err as Error).message });
    }
  }

  /** What the metrics show per function. */
  snapshot(): Array<{ fn: string; desired: number; rps: number; inflight: number }> {
    const now = Date.now();
    return this.registry.list().map((r) => {
      const load = this.load.of(subjects.functionKey(r.spec.namespace, r.spec.service));
      return {
        fn: label(r.spec.namespace, r.spec.service),
        desired: r.replicas,
        rps: load.rate(this.policy.rateWindowMs, now),
        inflight: load.inflight(now),
      };
    });
  }
}

/** The OpenFaaS `function_name` label value. */
function label(namespace: string, name: string): string {
  return `${name}.${namespace}`;
}
