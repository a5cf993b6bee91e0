import { Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { JSONCodec, JetStreamClient, JetStreamManager, MsgRequest, NatsConnection, Subscription } from 'nats';
import {
  EVENTS,
  FunctionStatus,
  InvocationStatsEvent,
  METRICS_STEPS,
  MetricsPoint,
  RPC,
  ReplicaEvent,
  SubjectRegistry,
} from '@skiff/contracts';
import { Bus, FunctionRegistryCache, ensureMetricsStream, isJetStreamError } from '@skiff/nats';
import { FunctionGauges, StepAccumulator, coarsen } from './metrics-aggregator';
import { IdlePoints } from './idle-points';

const json = JSONCodec();
const FINE = METRICS_STEPS['5s'];
const COARSE = METRICS_STEPS['1m'];
/** Fine points per coarse one. */
const PER_COARSE = COARSE.stepMs / FINE.stepMs;
/** Longest the gauges may take to sample (provider RPC, stream info). */
const SAMPLE_TIMEOUT_MS = 2_000;

/**
 * The metrics history's only writer (it runs in the active scaler). Every 5 s it closes a step:
 * calls by status and their latency histogram (from the per-second aggregates the scaler already
 * receives), cold starts (`replica.ready`), scale decisions, and the gauges sampled then (desired and
 * available replicas, async queue depth and oldest age, dead letters), one point per registered
 * function and one for the platform, published into `<P>_METRICS`. Every minute the twelve fine
 * points of each series are folded into one coarse point, kept 24 h. A function's point with nothing
 * new in it (see IdlePoints) is not stored, but for one per heartbeat; the platform's always is (it
 * tells readers up to when the history was written).
 */
export class MetricsHistoryWriter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('MetricsHistory');
  private readonly fine = new StepAccumulator(FINE.stepMs);
  private readonly fineStored = new IdlePoints(FINE.heartbeatMs);
  private readonly coarseStored = new IdlePoints(COARSE.heartbeatMs);
  /** The fine points of the current minute, per series (`<ns>.<fn>`, or '' for the platform). */
  private minute = new Map<string, MetricsPoint[]>();
  private minuteStart = 0;
  private stepStart = 0;
  private timer?: NodeJS.Timeout;
  private readonly subscriptions: Subscription[] = [];
  private available = new Map<string, number>();
  private js?: JetStreamClient;
  private jsm?: JetStreamManager;
  private warned = false;
  private closing?: Promise<void>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly bus: Bus,
    private readonly registry: FunctionRegistryCache,
    private readonly subjects: SubjectRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    try {
      await this.start();
    } catch (err) {
      // The scaler's job is scaling: without the stream it scales on, and says why the history is empty.
      this.logger.warn({ msg: 'metrics history not written: its stream cannot be opened', error: (err as Error).message });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async start(now = Date.now()): Promise<void> {
    await ensureMetricsStream(this.nc, this.subjects);
    this.js = this.nc.jetstream();
    this.jsm = await this.nc.jetstreamManager();
    this.subscriptions.push(
      this.bus.subscribe(EVENTS.scaleDecision, (d) => this.fine.addDecision(d)),
      this.nc.subscribe(this.subjects.replicaReadyAll, { callback: (err, msg) => !err && this.onReady(msg.subject, msg.data) }),
    );
    this.stepStart = Math.floor(now / FINE.stepMs) * FINE.stepMs;
    this.minuteStart = Math.floor(now / COARSE.stepMs) * COARSE.stepMs;
    this.schedule();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const sub of this.subscriptions.splice(0)) sub.unsubscribe();
    await this.closing;
  }

  /** Calls of the last second (fed by the scaler, which receives them anyway). */
  addInvocations(event: InvocationStatsEvent): void {
    this.fine.addInvocations(event);
  }

  private onReady(subject: string, data: Uint8Array): void {
    const from = this.subjects.replicaEventOf(subject);
    if (!from) return;
    let event: ReplicaEvent;
    try {
      event = json.decode(data) as ReplicaEvent;
    } catch {
      return;
    }
    if (!event || event.namespace !== from.namespace || event.name !== from.name || !(event.uptimeMs >= 0)) return;
    this.fine.addColdStart(this.subjects.functionKey(from.namespace, from.name), event.uptimeMs / 1000);
  }

  private schedule(): void {
    const next = this.stepStart + FINE.stepMs;
    this.timer = setTimeout(
      () => {
        this.closing = this.closeStep().finally(() => {
          this.closing = undefined;
          if (this.timer) this.schedule();
        });
      },
      Math.max(0, next - Date.now()),
    );
    this.timer.unref();
  }

  /** Ends the current fine step (and the minute, at its end) and publishes the points. */
  private async closeStep(): Promise<void> {
    const t = this.stepStart;
    this.stepStart = t + FINE.stepMs;
    // A pause longer than a step (a stopped process) starts again at the current step.
    if (Date.now() - this.stepStart > FINE.stepMs) this.stepStart = Math.floor(Date.now() / FINE.stepMs) * FINE.stepMs;
    const gauges = await this.sample();
    const step = this.fine.close(t, gauges);
    const writes: Array<[string, MetricsPoint]> = [[this.subjects.metricsPlatform('5s'), step.platform]];
    this.remember('', step.platform);
    this.fineStored.retain(gauges);
    this.coarseStored.retain(gauges);
    for (const [key, point] of step.functions) {
      const [namespace, name] = splitKey(key);
      if (this.fineStored.keep(key, point)) writes.push([this.subjects.metricsFunction('5s', namespace, name), point]);
      this.remember(key, point);
    }
    if (this.stepStart - this.minuteStart >= COARSE.stepMs) {
      for (const [key, points] of this.minute) {
        const point = coarsen(this.minuteStart, COARSE.stepMs, points);
        if (key === '') writes.push([this.subjects.metricsPlatform('1m'), point]);
        else if (gauges.has(key) && this.coarseStored.keep(key, point)) {
          const [namespace, name] = splitKey(key);
          writes.push([this.subjects.metricsFunction('1m', namespace, name), point]);
        }
      }
      this.minute = new Map();
      this.minuteStart = Math.floor(this.stepStart / COARSE.stepMs) * COARSE.stepMs;
    }
    if (!(await this.publish(writes))) {
      // A point not stored must not be what later idle steps are measured against: store every next one.
      this.fineStored.clear();
      this.coarseStored.clear();
    }
  }

  private remember(key: string, point: MetricsPoint): void {
    let points = this.minute.get(key);
    if (!points) this.minute.set(key, (points = []));
    if (points.length < PER_COARSE) points.push(point);
  }

  /** Stores the points; false when any was not stored. */
  private async publish(writes: Array<[string, MetricsPoint]>): Promise<boolean> {
    const js = this.js;
    if (!js) return false;
    const results = await Promise.allSettled(writes.map(([subject, point]) => js.publish(subject, json.encode(point))));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // Once per outage at warn: a history gap is no reason to flood the log.
      const log = {
        msg: 'metrics history points not stored',
        failed: results.filter((r) => r.status === 'rejected').length,
        error: (failed.reason as Error)?.message,
      };
      if (!this.warned) this.logger.warn(log);
      else this.logger.debug(log);
      this.warned = true;
      return false;
    }
    this.warned = false;
    return true;
  }

  /** The gauges of every registered function now. */
  private async sample(): Promise<Map<string, FunctionGauges>> {
    const records = this.registry.list();
    const [available, queues, dead] = await Promise.all([this.availability(records), this.queues(), this.deadLetters()]);
    const gauges = new Map<string, FunctionGauges>();
    for (const r of records) {
      const key = this.subjects.functionKey(r.spec.namespace, r.spec.service);
      const asyncSubject = this.subjects.asyncCall(r.spec.namespace, r.spec.service);
      const queue = queues.get(asyncSubject);
      gauges.set(key, {
        replicas: r.replicas,
        availableReplicas: available.get(key) ?? 0,
        queueDepth: queue?.depth ?? 0,
        queueAgeSeconds: queue?.ageSeconds ?? 0,
        deadLetters: dead.get(this.subjects.asyncDeadLetter(r.spec.namespace, r.spec.service)) ?? 0,
      });
    }
    return gauges;
  }

  /** Available replicas per function, from the provider (the last answer when it does not answer). */
  private async availability(records: ReturnType<FunctionRegistryCache['list']>): Promise<Map<string, number>> {
    const namespaces = [...new Set(records.map((r) => r.spec.namespace))];
    const answers = await Promise.allSettled(
      namespaces.map((namespace) => this.bus.request(RPC.functionList, { namespace }, { timeoutMs: SAMPLE_TIMEOUT_MS })),
    );
    const next = new Map(this.available);
    answers.forEach((answer, i) => {
      if (answer.status !== 'fulfilled') return;
      for (const key of [...next.keys()]) if (key.startsWith(`${namespaces[i]}.`)) next.delete(key);
      for (const fn of answer.value as FunctionStatus[])
        next.set(this.subjects.functionKey(fn.namespace ?? namespaces[i], fn.name), fn.availableReplicas ?? 0);
    });
    this.available = next;
    return next;
  }

  /** Messages per async subject (waiting or running calls) and the age of each subject's oldest. */
  private async queues(): Promise<Map<string, { depth: number; ageSeconds: number }>> {
    const out = new Map<string, { depth: number; ageSeconds: number }>();
    const counts = await this.subjectCounts(this.subjects.asyncStream, this.subjects.asyncCallAll);
    const now = Date.now();
    await Promise.all(
      [...counts].map(async ([subject, depth]) => {
        let ageSeconds = 0;
        try {
          // The server's "first message of this subject" (nats.js types it for direct gets only).
          const first = { next_by_subj: subject, seq: 0 } as unknown as MsgRequest;
          const oldest = await this.jsm!.streams.getMessage(this.subjects.asyncStream, first);
          ageSeconds = Math.max(0, (now - oldest.time.getTime()) / 1000);
        } catch {
          // Taken meanwhile: the count is still a fair sample.
        }
        out.set(subject, { depth, ageSeconds });
      }),
    );
    return out;
  }

  private deadLetters(): Promise<Map<string, number>> {
    return this.subjectCounts(this.subjects.asyncDeadLetterStream, this.subjects.asyncDeadLetterAll);
  }

  /** Messages per subject of a stream (empty when the stream does not exist yet). */
  private async subjectCounts(stream: string, filter: string): Promise<Map<string, number>> {
    try {
      const info = await this.jsm!.streams.info(stream, { subjects_filter: filter });
      return new Map(Object.entries(info.state.subjects ?? {}).filter(([, n]) => n > 0));
    } catch (err) {
      if (!isJetStreamError(err, 'streamNotFound')) this.logger.debug({ msg: 'stream not sampled', stream, error: (err as Error).message });
      return new Map();
    }
  }
}

function splitKey(key: string): [string, string] {
  const dot = key.indexOf('.');
  return [key.slice(0, dot), key.slice(dot + 1)];
}
