import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsNumber, IsObject, Min, ValidateNested } from 'class-validator';
import { SCALE_REASONS } from '../messages/function-scale.request';
import { ScaleDecisionEvent } from '../messages/scale-decision.event';
import type { LatencyHistogram } from './latency-histogram';

/**
 * Steps of the metrics history: every `5s` point is kept 2 hours, every `1m` point 24 hours (both
 * 1440 points per series, the stream's per-subject cap; an idle function's sparse `5s` points stay
 * up to the stream's max age, 24 h). A function's point that holds nothing new
 * (no call, the same replicas and queue as the series' last stored point) is not stored, except one
 * every `heartbeatMs`: readers start that long before their range and carry the last stored point's
 * gauges (with zero rates) over the steps without one, for less than `heartbeatMs`.
 */
export const METRICS_STEPS = {
  '5s': { stepMs: 5_000, keepMs: 2 * 3_600_000, heartbeatMs: 10 * 60_000 },
  '1m': { stepMs: 60_000, keepMs: 24 * 3_600_000, heartbeatMs: 3_600_000 },
} as const;

/** A step of the metrics history. */
export type MetricsStep = keyof typeof METRICS_STEPS;

/** Points kept per series (function or platform) and step. */
export const METRICS_POINTS_PER_SERIES = 1440;

/** The time ranges `GET /system/metrics/history` answers, and the step each is read at. */
export const METRICS_RANGES = {
  '5m': { rangeMs: 5 * 60_000, step: '5s' },
  '15m': { rangeMs: 15 * 60_000, step: '5s' },
  '1h': { rangeMs: 3_600_000, step: '5s' },
  '6h': { rangeMs: 6 * 3_600_000, step: '1m' },
  '24h': { rangeMs: 24 * 3_600_000, step: '1m' },
} as const satisfies Record<string, { rangeMs: number; step: MetricsStep }>;

/** A time range of the metrics history. */
export type MetricsRange = keyof typeof METRICS_RANGES;

/** Most scale decisions one point carries (more in one step are counted, not listed). */
export const METRICS_MAX_DECISIONS = 50;

/**
 * One step of one function (or of the whole platform: every function added up) in the metrics
 * history stream, written by the scaler (the only writer) and read by the gateway.
 */
export class MetricsPoint {
  /** Start of the step, ms since the epoch. */
  @IsInt()
  @Min(0)
  t!: number;

  /** Length of the step, ms. */
  @IsIn(Object.values(METRICS_STEPS).map((s) => s.stepMs))
  stepMs!: number;

  /** Completed calls (sync and async) by HTTP status. */
  @IsObject()
  codes!: Record<string, number>;

  /** Their durations (see latency-histogram.ts). */
  @IsObject()
  latency!: LatencyHistogram;

  /** Sum of their durations, in seconds. */
  @IsNumber()
  @Min(0)
  durationSeconds!: number;

  /**
   * Most calls in flight at once: the sum, across every gateway and queue-worker, of their latest
   * per-second reports (a source silent for 3 s no longer counts).
   */
  @IsInt()
  @Min(0)
  inflight!: number;

  /** Desired replicas at the end of the step. */
  @IsInt()
  @Min(0)
  replicas!: number;

  /** Available replicas at the end of the step. */
  @IsInt()
  @Min(0)
  availableReplicas!: number;

  /** Replicas that became ready during the step (each a cold start). */
  @IsInt()
  @Min(0)
  coldStarts!: number;

  /** Sum of their start-up times (process start to ready), in seconds. */
  @IsNumber()
  @Min(0)
  coldStartSeconds!: number;

  /** Async calls waiting or running (the most seen during the step). */
  @IsInt()
  @Min(0)
  queueDepth!: number;

  /** Age of the oldest of them, in seconds (the most seen during the step). */
  @IsNumber()
  @Min(0)
  queueAgeSeconds!: number;

  /** Dead letters kept at the end of the step. */
  @IsInt()
  @Min(0)
  deadLetters!: number;

  /** Scale decisions made during the step, with their reasons. */
  @IsArray()
  @ArrayMaxSize(METRICS_MAX_DECISIONS)
  @ValidateNested({ each: true })
  @Type(() => ScaleDecisionEvent)
  decisions!: ScaleDecisionEvent[];
}

/** A point with nothing in it, at `t`. */
export function emptyMetricsPoint(t: number, stepMs: number): MetricsPoint {
  return {
    t,
    stepMs,
    codes: {},
    latency: {},
    durationSeconds: 0,
    inflight: 0,
    replicas: 0,
    availableReplicas: 0,
    coldStarts: 0,
    coldStartSeconds: 0,
    queueDepth: 0,
    queueAgeSeconds: 0,
    deadLetters: 0,
    decisions: [],
  };
}

/** Status classes of the history API. */
export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;

/** One status class. */
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** The class of an HTTP status (1xx and anything odd count as `5xx`: it is no answer a client can use). */
export function statusClass(status: string | number): StatusClass {
  const n = Number(status);
  if (n >= 200 && n < 300) return '2xx';
  if (n >= 300 && n < 400) return '3xx';
  if (n >= 400 && n < 500) return '4xx';
  return '5xx';
}

/** One step of `GET /system/metrics/history` (null fields: nothing measured in that step). */
export interface MetricsHistoryPoint {
  /** Start of the step, ms since the epoch. */
  t: number;
  /** Completed calls per second during the step, by status class. */
  rate: Record<StatusClass, number> | null;
  /** Latency quantiles and mean of the step's calls, seconds (null: no call). */
  latency: { p50: number; p95: number; p99: number; mean: number } | null;
  /** Most calls in flight at once. */
  inflight: number | null;
  /** Desired replicas. */
  replicas: number | null;
  /** Available replicas. */
  availableReplicas: number | null;
  /** Cold starts (replicas that became ready). */
  coldStarts: number | null;
  /** Mean start-up time of those, seconds (null: none). */
  coldStartSeconds: number | null;
  /** Async calls waiting or running. */
  queueDepth: number | null;
  /** Age of the oldest, seconds. */
  queueAgeSeconds: number | null;
  /** Dead letters kept. */
  deadLetters: number | null;
}

/** Answer of `GET /system/metrics/history`. */
export interface MetricsHistory {
  /** The function (`name.namespace`), or absent for the whole platform. */
  function?: string;
  /** The range asked for. */
  range: MetricsRange;
  /** Step of the points, ms. */
  stepMs: number;
  /** Start and end of the range, ms since the epoch (end = now). */
  from: number;
  to: number;
  /** One entry per step from `from` to `to`, oldest first; steps with no stored point have nulls. */
  points: MetricsHistoryPoint[];
  /** The whole range at once. */
  summary: {
    /** Completed calls by status class. */
    calls: Record<StatusClass, number>;
    /** Latency quantiles and mean over every call of the range, seconds (null: no call). */
    latency: { p50: number; p95: number; p99: number; mean: number } | null;
    /** Cold starts, and their mean start-up time, seconds. */
    coldStarts: number;
    coldStartSeconds: number | null;
  };
  /** Scale decisions of the range, oldest first (at most the last 200). */
  decisions: ScaleDecisionEvent[];
  /**
   * Why the history is not being written now (absent while it is): `no scaler is running (…)` when the
   * scaler, a required service and the history's only writer, stored no point for four steps (20 s). The
   * steps since are nulls.
   */
  reason?: string;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isWhole = (v: unknown): v is number => isCount(v) && Number.isInteger(v);
const isCounts = (v: unknown): v is Record<string, number> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(isCount);

function isDecision(v: unknown): v is ScaleDecisionEvent {
  const d = v as ScaleDecisionEvent;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.name === 'string' &&
    typeof d.namespace === 'string' &&
    isWhole(d.from) &&
    isWhole(d.to) &&
    (SCALE_REASONS as readonly string[]).includes(d.reason) &&
    isWhole(d.at) &&
    (d.detail === undefined || typeof d.detail === 'string')
  );
}

/**
 * A stored point checked field by field, or undefined when it is not one. The same rules as the
 * MetricsPoint class's decorators, written out: a 24 h read checks 1440 points, which class-validator
 * takes seconds of the gateway's event loop for (about 1.7 ms a point on a loaded 2-core machine).
 */
export function parseMetricsPoint(value: unknown): MetricsPoint | undefined {
  const p = value as MetricsPoint;
  if (typeof p !== 'object' || p === null) return undefined;
  const steps: number[] = Object.values(METRICS_STEPS).map((s) => s.stepMs);
  const ok =
    isWhole(p.t) &&
    steps.includes(p.stepMs) &&
    isCounts(p.codes) &&
    isCounts(p.latency) &&
    isCount(p.durationSeconds) &&
    isWhole(p.inflight) &&
    isWhole(p.replicas) &&
    isWhole(p.availableReplicas) &&
    isWhole(p.coldStarts) &&
    isCount(p.coldStartSeconds) &&
    isWhole(p.queueDepth) &&
    isCount(p.queueAgeSeconds) &&
    isWhole(p.deadLetters) &&
    Array.isArray(p.decisions) &&
    p.decisions.length <= METRICS_MAX_DECISIONS &&
    p.decisions.every(isDecision);
  return ok ? p : undefined;
}
