import { latencyBucket } from '@skiff/contracts';
import { StepAccumulator, coarsen } from './metrics-aggregator';

const gauges = (replicas: number, extra = {}) => ({
  replicas,
  availableReplicas: replicas,
  queueDepth: 0,
  queueAgeSeconds: 0,
  deadLetters: 0,
  ...extra,
});

describe('StepAccumulator', () => {
  it('sums the per-second aggregates of every process into one point per registered function and the platform', () => {
    const acc = new StepAccumulator(5_000);
    const stat = (name: string, codes: Record<string, number>, s: number) => ({
      name,
      namespace: 'ns',
      codes,
      inflight: 1,
      durationSeconds: s,
      latency: { [latencyBucket(s)]: Object.values(codes).reduce((a, b) => a + b, 0) },
    });
    acc.addInvocations({ source: 'gw-1', kind: 'sync', intervalMs: 1000, functions: [stat('a', { '200': 2 }, 0.1)] });
    acc.addInvocations({
      source: 'qw-1',
      kind: 'async',
      intervalMs: 1000,
      functions: [stat('a', { '500': 1 }, 0.2), stat('gone', { '200': 1 }, 0.1)],
    });
    acc.addColdStart('ns.b', 0.25);
    acc.addDecision({ name: 'b', namespace: 'ns', from: 0, to: 1, reason: 'wake', at: 1 });
    const step = acc.close(
      10_000,
      new Map([
        ['ns.a', gauges(1)],
        ['ns.b', gauges(1, { queueDepth: 3, queueAgeSeconds: 4, deadLetters: 2 })],
      ]),
    );
    expect(step.functions.get('ns.a')).toMatchObject({ t: 10_000, stepMs: 5_000, codes: { '200': 2, '500': 1 }, replicas: 1 });
    expect(step.functions.get('ns.b')).toMatchObject({
      coldStarts: 1,
      coldStartSeconds: 0.25,
      queueDepth: 3,
      decisions: [{ reason: 'wake' }],
    });
    expect(step.functions.has('ns.gone')).toBe(false); // not registered any more
    expect(step.platform).toMatchObject({
      codes: { '200': 2, '500': 1 },
      replicas: 2,
      coldStarts: 1,
      queueDepth: 3,
      queueAgeSeconds: 4,
      deadLetters: 2,
    });
    // The next step starts empty.
    expect(acc.close(15_000, new Map([['ns.a', gauges(1)]])).functions.get('ns.a')!.codes).toEqual({});
  });

  it("counts in flight as the sum of every gateway's latest report, without a gateway that stopped reporting", () => {
    const acc = new StepAccumulator(5_000);
    const report = (source: string, inflight: number, at: number) =>
      acc.addInvocations(
        { source, kind: 'sync', intervalMs: 1000, functions: [{ name: 'a', namespace: 'ns', codes: {}, inflight, durationSeconds: 0 }] },
        at,
      );
    const close = (t: number) => acc.close(t, new Map([['ns.a', gauges(1)]])).functions.get('ns.a')!.inflight;
    report('gateway:a', 3, 100_000);
    report('gateway:b', 2, 100_400);
    report('queue-worker:a', 1, 100_800);
    report('gateway:a', 3, 101_000);
    expect(close(100_000)).toBe(6);
    // Gateway b stopped (no report for more than 3 s): only a's and the queue-worker's count.
    report('gateway:a', 4, 105_000);
    report('queue-worker:a', 1, 105_500);
    expect(close(105_000)).toBe(5);
    expect(close(110_000)).toBe(0); // nobody reported: nothing in flight
  });

  it('folds fine points into a coarse one: counts add up, gauges are the last or the most seen', () => {
    const acc = new StepAccumulator(5_000);
    acc.addInvocations({
      source: 'gw',
      kind: 'sync',
      intervalMs: 1000,
      functions: [{ name: 'a', namespace: 'ns', codes: { '200': 1 }, inflight: 4, durationSeconds: 0.1 }],
    });
    const p1 = acc.close(0, new Map([['ns.a', gauges(3, { queueDepth: 9, deadLetters: 1 })]])).functions.get('ns.a')!;
    acc.addInvocations({
      source: 'gw',
      kind: 'sync',
      intervalMs: 1000,
      functions: [{ name: 'a', namespace: 'ns', codes: { '200': 2 }, inflight: 1, durationSeconds: 0.1 }],
    });
    const p2 = acc.close(5_000, new Map([['ns.a', gauges(1, { queueDepth: 2, deadLetters: 2 })]])).functions.get('ns.a')!;
    expect(coarsen(0, 60_000, [p1, p2])).toMatchObject({
      t: 0,
      stepMs: 60_000,
      codes: { '200': 3 },
      inflight: 4,
      replicas: 1,
      queueDepth: 9,
      deadLetters: 2,
    });
  });
});
