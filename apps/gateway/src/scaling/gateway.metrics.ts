import { hostname } from 'node:os';
import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { EVENTS, FunctionRefLike } from '@skiff/contracts';
import { FunctionCallStats, InvocationStats, WakeObserver } from '@skiff/invoke';
import { Bus, FunctionRegistryCache } from '@skiff/nats';
import { METRICS_REGISTRY, exposeUntyped } from '@skiff/observability';

type CodeChildren = { count: { inc(): void }; seconds: { observe(v: number): void } };

/**
 * The meters of one function, bound once (per registry record) so a call only increments
 * pre-bound children: no label strings are built per call.
 */
export class FunctionMeter {
  private readonly byCode = new Map<number, CodeChildren>();
  private readonly startedChild: { inc(): void };

  constructor(
    /** The OpenFaaS `function_name` label value, `name.namespace`. */
    readonly label: string,
    private readonly metrics: GatewayMetrics,
    private readonly stats: FunctionCallStats,
  ) {
    this.startedChild = metrics.started.labels(label);
  }

  /** A call started. */
  began(): void {
    this.startedChild.inc();
    this.stats.began();
  }

  /** A call finished with `status` after `seconds`. */
  ended(status: number, seconds: number): void {
    let children = this.byCode.get(status);
    if (!children) {
      const code = String(status);
      children = { count: this.metrics.invocations.labels(this.label, code), seconds: this.metrics.seconds.labels(this.label, code) };
      this.byCode.set(status, children);
    }
    children.count.inc();
    children.seconds.observe(seconds);
    this.stats.ended(status, seconds);
  }
}

/**
 * The gateway's OpenFaaS metrics and its per-second invocation aggregates on
 * the bus (`evt.invocations`), which the scaler turns into load and cumulative counts.
 */
@Injectable()
export class GatewayMetrics implements OnModuleInit, OnApplicationShutdown, WakeObserver {
  /** `gateway_function_invocation_total{function_name,code}`. */
  readonly invocations: Counter<'function_name' | 'code'>;
  /** `gateway_functions_seconds{function_name,code}`. */
  readonly seconds: Histogram<'function_name' | 'code'>;
  /**
   * `gateway_function_invocation_started{function_name}`. OpenFaaS's name has no `_total`, which
   * Prometheus requires of a counter, so it is exposed untyped; `rate()` and dashboards work unchanged.
   */
  readonly started: Counter<'function_name'>;
  /** `skiff_gateway_wakes_total{function_name,result}`. */
  readonly wakes: Counter<'function_name' | 'result'>;
  /** `skiff_gateway_wake_seconds`. */
  readonly wakeSeconds: Histogram;
  private readonly stats: InvocationStats;
  private readonly meters = new WeakMap<object, FunctionMeter>();

  constructor(@Inject(METRICS_REGISTRY) registry: Registry, functions: FunctionRegistryCache, bus: Bus) {
    const registers = [registry];
    this.invocations = new Counter({
      name: 'gateway_function_invocation_total',
      help: 'Completed synchronous function calls, per function and HTTP status',
      labelNames: ['function_name', 'code'],
      registers,
    });
    this.seconds = new Histogram({
      name: 'gateway_functions_seconds',
      help: 'Duration of synchronous function calls, per function and HTTP status',
      labelNames: ['function_name', 'code'],
      registers,
    });
    this.started = exposeUntyped(
      new Counter({
        name: 'gateway_function_invocation_started',
        help: 'Synchronous function calls started, per function (monotonic)',
        labelNames: ['function_name'],
        registers,
      }),
    );
    // OpenFaaS's name ends in `_count`, reserved for histograms: exposed untyped (see exposeUntyped).
    const serviceCount = new Gauge({
      name: 'gateway_service_count',
      help: 'Desired replicas per function',
      labelNames: ['function_name'],
      registers,
      collect() {
        this.reset();
        for (const r of functions.list()) this.set({ function_name: `${r.spec.service}.${r.spec.namespace}` }, r.replicas);
      },
    });
    exposeUntyped(serviceCount);
    this.wakes = new Counter({
      name: 'skiff_gateway_wakes_total',
      help: 'Scale-from-zero waits of synchronous calls, per function and result (ready, failed)',
      labelNames: ['function_name', 'result'],
      registers,
    });
    this.wakeSeconds = new Histogram({
      name: 'skiff_gateway_wake_seconds',
      help: 'Time from "no replica" to the first replica ready, for calls that woke a function',
      buckets: [0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    });
    this.stats = new InvocationStats({
      source: `gateway:${hostname()}:${process.pid}`,
      kind: 'sync',
      publish: (event) => bus.publish(EVENTS.invocations, event),
    });
  }

  onModuleInit(): void {
    this.stats.start();
  }

  onApplicationShutdown(): void {
    this.stats.stop();
  }

  /** The meters of a resolved function (one per registry record object). */
  of(fn: { name: string; namespace: string }): FunctionMeter {
    let meter = this.meters.get(fn);
    if (!meter) {
      meter = new FunctionMeter(`${fn.name}.${fn.namespace}`, this, this.stats.of(fn.namespace, fn.name));
      this.meters.set(fn, meter);
    }
    return meter;
  }

  woke(fn: FunctionRefLike, ok: boolean, seconds: number): void {
    const label = `${fn.name}.${fn.namespace}`;
    this.wakes.inc({ function_name: label, result: ok ? 'ready' : 'failed' });
    if (ok) this.wakeSeconds.observe(seconds);
  }
}
