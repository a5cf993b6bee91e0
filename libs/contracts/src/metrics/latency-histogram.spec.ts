import { latencyBucket, latencyBucketBound, latencyCount, latencyQuantile, mergeLatency } from './latency-histogram';

describe('latency histogram', () => {
  it('puts a duration in the bucket whose bounds hold it, each bucket 2^(1/4) wide', () => {
    for (const s of [0.00005, 0.0001, 0.00012, 0.003, 0.02, 0.3, 1, 7.5, 120]) {
      const i = latencyBucket(s);
      expect(latencyBucketBound(i)).toBeGreaterThanOrEqual(s * (1 - 1e-9));
      if (i > 0) expect(latencyBucketBound(i - 1)).toBeLessThan(s);
    }
    expect(latencyBucketBound(5) / latencyBucketBound(4)).toBeCloseTo(2 ** 0.25, 12);
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(1e9)).toBe(150);
  });

  it('reads quantiles within one bucket of the true value', () => {
    const h: Record<string, number> = {};
    const durations = [...Array(90).fill(0.02), ...Array(9).fill(0.3), 2];
    for (const s of durations) mergeLatency(h, { [latencyBucket(s)]: 1 });
    expect(latencyCount(h)).toBe(100);
    const within = (q: number, truth: number) => {
      const v = latencyQuantile(h, q)!;
      expect(v).toBeGreaterThan(truth / 2 ** 0.25);
      expect(v).toBeLessThanOrEqual(truth * 2 ** 0.25);
    };
    within(0.5, 0.02);
    within(0.95, 0.3);
    within(1, 2);
    expect(latencyQuantile({}, 0.5)).toBeUndefined();
  });

  it('merges by adding counts and ignores keys that are not buckets', () => {
    const into = mergeLatency({ '3': 1 }, { '3': 2, '10': 1, x: 5, '999': 1, '4': -1 });
    expect(into).toEqual({ '3': 3, '10': 1 });
  });
});
