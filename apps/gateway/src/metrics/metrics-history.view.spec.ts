import { MetricsPoint, emptyMetricsPoint, latencyBucket } from '@skiff/contracts';
import { historyView } from './metrics-history.view';

const point = (t: number, extra: Partial<MetricsPoint>): MetricsPoint => ({ ...emptyMetricsPoint(t, 5_000), ...extra });

describe('historyView', () => {
  const now = 1_000_000_000_000 + 2_500; // mid-step
  const last = now - 2_500 - 5_000; // the last closed step

  it('has one entry per step of the range, nulls where nothing was stored', () => {
    const h = historyView('5m', now, [point(last, { replicas: 2, availableReplicas: 1 })]);
    expect(h.stepMs).toBe(5_000);
    expect(h.points).toHaveLength(61); // 300 s of 5 s steps, the first one cut by the range's start
    expect(h.points[h.points.length - 2]).toMatchObject({ t: last, replicas: 2, availableReplicas: 1, latency: null });
    expect(h.points[0]).toMatchObject({ rate: null, replicas: null });
    expect(h.points[h.points.length - 1].replicas).toBeNull(); // the current step is not closed yet
  });

  it('turns counts into rates by status class, and the range into totals and quantiles', () => {
    const stored = [
      point(last - 5_000, {
        codes: { '200': 10, '201': 5, '404': 5 },
        latency: { [latencyBucket(0.02)]: 20 },
        durationSeconds: 0.4,
        coldStarts: 1,
        coldStartSeconds: 0.2,
      }),
      point(last, {
        codes: { '500': 2, '502': 3 },
        latency: { [latencyBucket(0.3)]: 5 },
        durationSeconds: 1.5,
        decisions: [{ name: 'f', namespace: 'ns', from: 1, to: 2, reason: 'manual', at: last + 1 }],
      }),
    ];
    const h = historyView('5m', now, stored, 'f.ns');
    expect(h.function).toBe('f.ns');
    const first = h.points.find((p) => p.t === last - 5_000)!;
    expect(first.rate).toEqual({ '2xx': 3, '3xx': 0, '4xx': 1, '5xx': 0 });
    expect(first.latency!.mean).toBeCloseTo(0.02, 9);
    expect(first.coldStartSeconds).toBeCloseTo(0.2, 9);
    expect(h.summary.calls).toEqual({ '2xx': 15, '3xx': 0, '4xx': 5, '5xx': 5 });
    expect(h.summary.latency!.p50).toBeLessThan(0.03);
    expect(h.summary.latency!.p95).toBeGreaterThan(0.25);
    expect(h.summary.latency!.mean).toBeCloseTo(1.9 / 25, 9);
    expect(h.summary.coldStarts).toBe(1);
    expect(h.decisions).toHaveLength(1);
  });

  it('leaves out points outside the range or of another step', () => {
    const h = historyView('5m', now, [
      point(now - 600_000, { codes: { '200': 1 } }),
      { ...point(last, { codes: { '200': 1 } }), stepMs: 60_000 },
    ]);
    expect(h.summary.calls['2xx']).toBe(0);
  });
});
