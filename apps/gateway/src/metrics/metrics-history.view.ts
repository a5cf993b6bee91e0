import {
  METRICS_RANGES,
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

/**
 * The answer of `GET /system/metrics/history` from the stored points of one series: one entry per
 * step of the range (a step without a point is a gap of nulls: nothing was written, e.g. no scaler
 * ran), the range's totals and quantiles, and its scale decisions.
 */
export function historyView(range: MetricsRange, now: number, stored: MetricsPoint[], fn?: string): MetricsHistory {
  const { rangeMs } = METRICS_RANGES[range];
  const stepMs = stored[0]?.stepMs ?? stepOf(range);
  const from = now - rangeMs;
  const first = Math.floor(from / stepMs) * stepMs;
  const byT = new Map<number, MetricsPoint>();
  for (const p of stored) if (p.t >= first && p.t < now && p.stepMs === stepMs) byT.set(p.t, p);

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
      points.push({ t, ...GAP });
      continue;
    }
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

function stepOf(range: MetricsRange): number {
  return range === '6h' || range === '24h' ? 60_000 : 5_000;
}
