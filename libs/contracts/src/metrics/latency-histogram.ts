/**
 * The call-duration histogram every gateway and queue-worker keeps per function and interval, and
 * the metrics history stores: log-scale buckets, four per doubling (each bucket's upper bound is
 * 2^(1/4) ≈ 1.19 times its lower one), from 100 µs up. Sparse: `{ "<bucket index>": count }`. Any
 * two are merged by adding counts, so a point of any step is the sum of the seconds it covers, and
 * a quantile read from it is off by less than one bucket's width (< 19 %).
 */
export type LatencyHistogram = Record<string, number>;

/** Upper bound of bucket 0, in seconds. */
const FIRST_BOUND_S = 1e-4;
/** Buckets per doubling. */
const PER_DOUBLING = 4;
/** Highest bucket index (about 2^(150/4) × 100 µs: far beyond any call's timeout). */
export const LATENCY_MAX_BUCKET = 150;

/** The bucket of a duration in seconds (bucket i holds (bound(i-1), bound(i)]). */
export function latencyBucket(seconds: number): number {
  if (!(seconds > FIRST_BOUND_S)) return 0;
  const i = Math.ceil(PER_DOUBLING * Math.log2(seconds / FIRST_BOUND_S) - 1e-9);
  return Math.min(LATENCY_MAX_BUCKET, i);
}

/** Upper bound of bucket `i`, in seconds. */
export function latencyBucketBound(i: number): number {
  return FIRST_BOUND_S * 2 ** (i / PER_DOUBLING);
}

/** Adds `from` into `into` (in place) and returns `into`. Keys that are not bucket indexes are ignored. */
export function mergeLatency(into: LatencyHistogram, from: LatencyHistogram | undefined): LatencyHistogram {
  if (!from) return into;
  for (const key in from) {
    const n = from[key];
    if (!(n > 0) || !/^\d{1,3}$/.test(key) || Number(key) > LATENCY_MAX_BUCKET) continue;
    into[key] = (into[key] ?? 0) + n;
  }
  return into;
}

/** Calls counted in a histogram. */
export function latencyCount(h: LatencyHistogram): number {
  let n = 0;
  for (const key in h) n += h[key];
  return n;
}

/**
 * The `qs` quantiles (each 0 < q ≤ 1, ascending) of a histogram in seconds, each interpolated linearly
 * inside the bucket that holds it (as Prometheus's histogram_quantile does), in one pass; undefined
 * when it is empty.
 */
export function latencyQuantiles(h: LatencyHistogram, qs: readonly number[]): number[] | undefined {
  const buckets: number[] = [];
  let total = 0;
  for (const key in h) {
    const n = h[key];
    if (!(n > 0)) continue;
    buckets.push(Number(key));
    total += n;
  }
  if (!total) return undefined;
  buckets.sort((a, b) => a - b);
  const out: number[] = [];
  let b = 0;
  let seen = 0;
  for (const q of qs) {
    const rank = q * total;
    while (b < buckets.length - 1 && seen + h[buckets[b]] < rank) seen += h[buckets[b++]];
    const i = buckets[b];
    const n = h[i];
    const lower = i === 0 ? 0 : latencyBucketBound(i - 1);
    const upper = latencyBucketBound(i);
    out.push(lower + (upper - lower) * Math.min(1, Math.max(0, (rank - seen) / n)));
  }
  return out;
}

/** The `q` quantile (0 < q ≤ 1) of a histogram in seconds (see latencyQuantiles); undefined when it is empty. */
export function latencyQuantile(h: LatencyHistogram, q: number): number | undefined {
  return latencyQuantiles(h, [q])?.[0];
}
