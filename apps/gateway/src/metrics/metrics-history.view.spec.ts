import { METRICS_STEPS, MetricsPoint, emptyMetricsPoint, latencyBucket } from '@skiff/contracts';
import { historyView } from './metrics-history.view';

const point = (t: number, extra: Partial<MetricsPoint>): MetricsPoint => ({ ...emptyMetricsPoint(t, 5_000), ...extra });

describe('historyView', () => {
  const now = 1_000_000_000_000 + 2_500; // mid-step
  const last = now - 2_500 - 5_000; // the last closed step

  it('has one entry per step of the range, nulls where nothing was stored', () => {
    const h = historyView('5m', now, [point(last, { replicas: 2, availableReplicas: 1 })], last + 5_000);
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
    const h = historyView('5m', now, stored, last + 5_000, 'f.ns');
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
    const h = historyView(
      '5m',
      now,
      [point(now - 600_000, { codes: { '200': 1 } }), { ...point(last, { codes: { '200': 1 } }), stepMs: 60_000 }],
      last + 5_000,
    );
    expect(h.summary.calls['2xx']).toBe(0);
  });

  describe("a function's steps the writer did not store (idle)", () => {
    /** Steps from one stored idle point to the next (the heartbeat). */
    const beat = METRICS_STEPS['5s'].heartbeatMs / 5_000;
    const idle = point(last - (beat + 30) * 5_000, { replicas: 2, availableReplicas: 2, deadLetters: 1 });
    const busy = point(last - 20 * 5_000, { codes: { '200': 5 }, replicas: 2, availableReplicas: 2, deadLetters: 1 });

    it("shows the last stored point's gauges with zero rates, counting nothing twice", () => {
      // Stored before the range (read from a heartbeat before it), then one busy step inside it.
      const h = historyView('5m', now, [idle, busy], last + 5_000, 'f.ns');
      const zero = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
      const shown = { rate: zero, latency: null, inflight: 0, replicas: 2, availableReplicas: 2, coldStarts: 0, coldStartSeconds: null };
      expect(h.points[0]).toMatchObject({ ...shown, deadLetters: 1, queueDepth: 0 });
      expect(h.points.find((p) => p.t === busy.t)!.rate!['2xx']).toBe(1);
      expect(h.points.find((p) => p.t === busy.t + 5_000)).toMatchObject(shown);
      expect(h.points[h.points.length - 2]).toMatchObject({ t: last, ...shown });
      expect(h.summary.calls['2xx']).toBe(5);
    });

    it("carries no point a heartbeat or more after it, past the last step written, or in the platform's series", () => {
      const h = historyView('5m', now, [idle], last + 5_000, 'f.ns');
      const at = (t: number) => h.points.find((p) => p.t === t)!;
      expect(at(idle.t + (beat - 1) * 5_000).replicas).toBe(2);
      expect(at(idle.t + beat * 5_000).replicas).toBeNull(); // the next point was due: none was written
      // The writer stopped 10 steps ago (no scaler): nothing after.
      const recent = point(last - 20 * 5_000, { replicas: 2 });
      const stopped = historyView('5m', now, [recent], last - 9 * 5_000, 'f.ns');
      expect(stopped.points.find((p) => p.t === last - 10 * 5_000)!.replicas).toBe(2);
      expect(stopped.points.find((p) => p.t === last - 9 * 5_000)!.replicas).toBeNull();
      expect(historyView('5m', now, [recent], last + 5_000).points.find((p) => p.t === recent.t + 5_000)!.replicas).toBeNull();
    });
  });
});
