import {
  METRICS_RANGES,
  METRICS_STEPS,
  MetricsHistory,
  MetricsHistoryPoint,
  MetricsPoint,
  MetricsRange,
  STATUS_CLASSES,
  ScaleDecisionEvent,
  StatusClass,
  LatencyHistogram,
  latencyCount,
  latencyQuantiles,
  mergeLatency,
  statusClass,
} from '@skiff/contracts';

/** The quantiles shown. */
const QUANTILES = [0.5, 0.95, 0.99] as const;

/** Most scale decisions one answer lists (the latest). */
const MAX_DECISIONS = 200;

/** Calls by status class of one point's codes. */
function byClass(codes: Record<string, number>): Record<StatusClass, number> {
  const out = Object.fromEntries(STATUS_CLASSES.map((c) => [c, 0])) as Record<StatusClass, number>;
  for (const code in codes) out[statusClass(code)] += codes[code];
  return out;
}

/** p50, p95, p99 and the mean of a histogram (null when it holds no call). */
function latencyOf(h: LatencyHistogram, durationSeconds: number): MetricsHistoryPoint['latency'] {
  const q = latencyQuantiles(h, QUANTILES);
  if (!q) return null;
  return { p50: q[0], p95: q[1], p99: q[2], mean: durationSeconds / latencyCount(h) };
}

/** A stored point as the API shows it: rates per second, quantiles, means. */
function view(p: MetricsPoint): MetricsHistoryPoint {
  const seconds = p.stepMs / 1000;
  const calls = byClass(p.codes);
  return {
    t: p.t,
    rate: Object.fromEntries(STATUS_CLASSES.map((c) => [c, calls[c] / seconds])) as Record<StatusClass, number>,
    latency: latencyOf(p.latency, p.durationSeconds),
    inflight: p.inflight,
    replicas: p.replicas,
    availableReplicas: p.availableReplicas,
    coldStarts: p.coldStarts,
    coldStartSeconds: p.coldStarts ? p.coldStartSeconds / p.coldStarts : null,
    queueDepth: p.queueDepth,
    queueAgeSeconds: p.queueAgeSeconds,
    deadLetters: p.deadLetters,
  };
}

const GAP: Omit<MetricsHistoryPoint, 't'> = {
  rate: null,
  latency: null,
  inflight: null,
  replicas: null,
  availableReplicas: null,
  coldStarts: null,
  coldStartSeconds: null,
  queueDepth: null,
  queueAgeSeconds: null,
  deadLetters: null,
};

/** A step the writer did not store because nothing changed since `last`: its gauges, no calls. */
function carried(t: number, last: MetricsPoint): MetricsHistoryPoint {
  return { ...view({ ...last, codes: {}, latency: {}, durationSeconds: 0, inflight: 0, coldStarts: 0, coldStartSeconds: 0 }), t };
}

/**
 * The answer of `GET /system/metrics/history` from the stored points of one series (read from one
 * heartbeat before the range): one entry per step of the range, the range's totals and quantiles,
 * and its scale decisions. A step without a point that ended by `writtenUntil` (the end of the last
 * step the writer stored) and less than a heartbeat after the series' last stored point was idle:
 * it shows that point's gauges with zero rates. Any other step without a point is a gap of nulls:
 * nothing was written (no scaler ran, or the function did not exist).
 */
export function historyView(range: MetricsRange, now: number, stored: MetricsPoint[], writtenUntil: number, fn?: string): MetricsHistory {
  const { rangeMs, step } = METRICS_RANGES[range];
  const { stepMs, heartbeatMs } = METRICS_STEPS[step];
  const from = now - rangeMs;
  const first = Math.floor(from / stepMs) * stepMs;
  const byT = new Map<number, MetricsPoint>();
  let last: MetricsPoint | undefined;
  for (const p of stored) {
    if (p.stepMs !== stepMs) continue;
    if (p.t >= first && p.t < now) byT.set(p.t, p);
    else if (p.t < first && (!last || p.t > last.t)) last = p;
  }

  const points: MetricsHistoryPoint[] = [];
  const codes: Record<string, number> = {};
  const latency: LatencyHistogram = {};
  let durationSeconds = 0;
  let coldStarts = 0;
  let coldStartSeconds = 0;
  const decisions: ScaleDecisionEvent[] = [];
  for (let t = first; t < now; t += stepMs) {
    const p = byT.get(t);
    if (!p) {
      // The platform's series is stored every step: its gaps are never idle steps.
      const idle = fn && last && t - last.t < heartbeatMs && t + stepMs <= writtenUntil;
      points.push(idle ? carried(t, last!) : { t, ...GAP });
      continue;
    }
    last = p;
    points.push(view(p));
    for (const code in p.codes) codes[code] = (codes[code] ?? 0) + p.codes[code];
    mergeLatency(latency, p.latency);
    durationSeconds += p.durationSeconds;
    coldStarts += p.coldStarts;
    coldStartSeconds += p.coldStartSeconds;
    decisions.push(...p.decisions);
  }
  decisions.sort((a, b) => a.at - b.at);
  return {
    ...(fn ? { function: fn } : {}),
    range,
    stepMs,
    from,
    to: now,
    points,
    summary: {
      calls: byClass(codes),
      latency: latencyOf(latency, durationSeconds),
      coldStarts,
      coldStartSeconds: coldStarts ? coldStartSeconds / coldStarts : null,
    },
    decisions: decisions.slice(-MAX_DECISIONS),
  };
}
