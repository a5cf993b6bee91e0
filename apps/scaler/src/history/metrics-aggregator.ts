import {
  InvocationStatsEvent,
  METRICS_MAX_DECISIONS,
  MetricsPoint,
  ScaleDecisionEvent,
  emptyMetricsPoint,
  mergeLatency,
} from '@skiff/contracts';
import { InflightSum } from '../load/inflight-sum';

/** What was measured of one function at the end of a step (gauges). */
export interface FunctionGauges {
  replicas: number;
  availableReplicas: number;
  queueDepth: number;
  queueAgeSeconds: number;
  deadLetters: number;
}

/** The points of one closed step: per function (key `<ns>.<fn>`) and the platform's. */
export interface ClosedStep {
  functions: Map<string, MetricsPoint>;
  platform: MetricsPoint;
}

/**
 * Sums what happens during one step of the metrics history: calls (from the per-second aggregates
 * of every gateway and queue-worker), cold starts and scale decisions, per function. `close` turns
 * them, with the gauges sampled at the step's end, into one point per function and one for the
 * platform, and starts the next step. No I/O: the writer feeds and publishes it.
 */
export class StepAccumulator {
  private current = new Map<string, MetricsPoint>();
  /** Calls in flight per function across every gateway and queue-worker (kept from step to step). */
  private readonly inflight = new Map<string, InflightSum>();

  constructor(private readonly stepMs: number) {}

  private of(key: string): MetricsPoint {
    let point = this.current.get(key);
    if (!point) this.current.set(key, (point = emptyMetricsPoint(0, this.stepMs)));
    return point;
  }

  /** One process's aggregate of the last second, received at `now`. */
  addInvocations(event: InvocationStatsEvent, now = Date.now()): void {
    for (const stat of event.functions) {
      const key = `${stat.namespace}.${stat.name}`;
      const point = this.of(key);
      for (const code in stat.codes) {
        const n = stat.codes[code];
        if (!(n > 0) || !/^\d{3}$/.test(code)) continue;
        point.codes[code] = (point.codes[code] ?? 0) + n;
      }
      mergeLatency(point.latency, stat.latency);
      point.durationSeconds += stat.durationSeconds;
      // Each gateway (and queue-worker) reports its own calls in flight: the function's are their sum.
      let inflight = this.inflight.get(key);
      if (!inflight) this.inflight.set(key, (inflight = new InflightSum()));
      inflight.set(event.source, stat.inflight, now);
      point.inflight = Math.max(point.inflight, inflight.sum(now));
    }
  }

  /** A replica became ready after `seconds` of start-up. */
  addColdStart(key: string, seconds: number): void {
    const point = this.of(key);
    point.coldStarts++;
    point.coldStartSeconds += Math.max(0, seconds);
  }

  /** The scaler changed a function's desired replicas. */
  addDecision(decision: ScaleDecisionEvent): void {
    const point = this.of(`${decision.namespace}.${decision.name}`);
    if (point.decisions.length < METRICS_MAX_DECISIONS) point.decisions.push(decision);
  }

  /**
   * Ends the step that started at `t`: one point for every function in `gauges` (the registered
   * ones; what was counted for a function no longer registered is dropped) and their sum.
   */
  close(t: number, gauges: Map<string, FunctionGauges>): ClosedStep {
    const counted = this.current;
    this.current = new Map();
    for (const [key, inflight] of this.inflight) if (inflight.sum(t + this.stepMs) === 0 && inflight.empty) this.inflight.delete(key);
    const functions = new Map<string, MetricsPoint>();
    const platform = emptyMetricsPoint(t, this.stepMs);
    for (const [key, g] of gauges) {
      const point = { ...(counted.get(key) ?? emptyMetricsPoint(t, this.stepMs)), ...g, t, stepMs: this.stepMs };
      functions.set(key, point);
      addInto(platform, point);
    }
    return { functions, platform };
  }
}

/** Adds `point` into the sum `into`: counts and replicas add up, ages take the oldest. */
export function addInto(into: MetricsPoint, point: MetricsPoint): MetricsPoint {
  for (const code in point.codes) into.codes[code] = (into.codes[code] ?? 0) + point.codes[code];
  mergeLatency(into.latency, point.latency);
  into.durationSeconds += point.durationSeconds;
  into.inflight += point.inflight;
  into.replicas += point.replicas;
  into.availableReplicas += point.availableReplicas;
  into.coldStarts += point.coldStarts;
  into.coldStartSeconds += point.coldStartSeconds;
  into.queueDepth += point.queueDepth;
  into.queueAgeSeconds = Math.max(into.queueAgeSeconds, point.queueAgeSeconds);
  into.deadLetters += point.deadLetters;
  for (const d of point.decisions) if (into.decisions.length < METRICS_MAX_DECISIONS) into.decisions.push(d);
  return into;
}

/**
 * Folds consecutive fine points of one series into one coarser point starting at `t`: counts add
 * up; replicas and dead letters are the last seen, in flight and the queue the most seen.
 */
export function coarsen(t: number, stepMs: number, points: MetricsPoint[]): MetricsPoint {
  const out = emptyMetricsPoint(t, stepMs);
  for (const p of points) {
    for (const code in p.codes) out.codes[code] = (out.codes[code] ?? 0) + p.codes[code];
    mergeLatency(out.latency, p.latency);
    out.durationSeconds += p.durationSeconds;
    out.inflight = Math.max(out.inflight, p.inflight);
    out.replicas = p.replicas;
    out.availableReplicas = p.availableReplicas;
    out.coldStarts += p.coldStarts;
    out.coldStartSeconds += p.coldStartSeconds;
    out.queueDepth = Math.max(out.queueDepth, p.queueDepth);
    out.queueAgeSeconds = Math.max(out.queueAgeSeconds, p.queueAgeSeconds);
    out.deadLetters = p.deadLetters;
    for (const d of p.decisions) if (out.decisions.length < METRICS_MAX_DECISIONS) out.decisions.push(d);
  }
  return out;
}
