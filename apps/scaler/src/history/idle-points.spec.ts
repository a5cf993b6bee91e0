import { MetricsPoint, emptyMetricsPoint } from '@skiff/contracts';
import { IdlePoints, isIdle } from './idle-points';

const point = (t: number, extra: Partial<MetricsPoint> = {}): MetricsPoint => ({
  ...emptyMetricsPoint(t, 5_000),
  replicas: 1,
  availableReplicas: 1,
  ...extra,
});

describe('IdlePoints', () => {
  it("stores a function's first point, then only steps with something new, and one per heartbeat", () => {
    const stored = new IdlePoints(60_000);
    const kept = (t: number, extra?: Partial<MetricsPoint>) => stored.keep('ns.a', point(t, extra));
    expect(kept(0)).toBe(true);
    expect(kept(5_000)).toBe(false);
    expect(kept(10_000, { codes: { '200': 1 }, latency: { '3': 1 } })).toBe(true);
    expect(kept(15_000)).toBe(false); // the same gauges as the last stored point, no call
    expect(kept(20_000, { availableReplicas: 2 })).toBe(true);
    expect(kept(25_000, { availableReplicas: 2 })).toBe(false);
    expect(kept(75_000, { availableReplicas: 2 })).toBe(false);
    expect(kept(80_000, { availableReplicas: 2 })).toBe(true); // a heartbeat after the last stored one
    // Another series keeps its own last point.
    expect(stored.keep('ns.b', point(85_000))).toBe(true);
  });

  it('stores again the first point of a function registered anew', () => {
    const stored = new IdlePoints(60_000);
    expect(stored.keep('ns.a', point(0))).toBe(true);
    stored.retain(new Map());
    expect(stored.keep('ns.a', point(5_000))).toBe(true);
  });

  it('counts as new anything a reader could not fill in from the last stored point', () => {
    const last = point(0);
    expect(isIdle(point(5_000), last)).toBe(true);
    for (const extra of [
      { inflight: 1 },
      { coldStarts: 1, coldStartSeconds: 0.2 },
      { replicas: 2 },
      { queueDepth: 1 },
      { queueAgeSeconds: 3 },
      { deadLetters: 1 },
      { decisions: [{ name: 'a', namespace: 'ns', from: 1, to: 2, reason: 'manual' as const, at: 1 }] },
    ])
      expect(isIdle(point(5_000, extra), last)).toBe(false);
  });
});
