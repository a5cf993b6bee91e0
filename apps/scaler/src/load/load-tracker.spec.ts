import { LoadTracker } from './load-tracker';

const event = (source: string, codes: Record<string, number>, inflight = 0) => ({
  source,
  kind: 'sync' as const,
  intervalMs: 1000,
  functions: [{ name: 'fn', namespace: 'ns', codes, inflight, durationSeconds: 0 }],
});

describe('LoadTracker', () => {
  it('sums every source into a per-second rate over the window, 2xx apart', () => {
    const t = new LoadTracker();
    for (let s = 0; s < 10; s++) {
      t.add(event('gw-a', { '200': 30, '500': 10 }), 100_000 + s * 1000);
      t.add(event('gw-b', { '200': 20 }), 100_000 + s * 1000);
    }
    const load = t.of('ns.fn');
    expect(load.rate(10_000, 110_500)).toBe(60);
    expect(load.rate(10_000, 110_500, true)).toBe(50);
    expect(load.rate(10_000, 109_500)).toBe(54); // the second still filling does not count yet
    expect(load.rate(10_000, 130_000)).toBe(0);
  });

  it('adds in-flight readings of fresh sources only, and remembers the last activity', () => {
    const t = new LoadTracker();
    t.add(event('gw-a', {}, 3), 1_000);
    t.add(event('qw', {}, 2), 2_000);
    expect(t.of('ns.fn').inflight(2_500)).toBe(5);
    expect(t.of('ns.fn').inflight(4_500)).toBe(2);
    expect(t.of('ns.fn').lastActiveAt).toBe(2_000);
    t.add(event('gw-a', {}, 0), 9_000);
    expect(t.of('ns.fn').lastActiveAt).toBe(2_000);
  });
});
