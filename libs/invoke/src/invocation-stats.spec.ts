import { latencyBucket, type InvocationStatsEvent } from '@skiff/contracts';
import { InvocationStats } from './invocation-stats';

describe('InvocationStats', () => {
  it('publishes one aggregate per flush with counts by status, in-flight and duration, then starts afresh', () => {
    const sent: InvocationStatsEvent[] = [];
    const stats = new InvocationStats({ source: 'gw', kind: 'sync', publish: (e) => sent.push(e) });
    const fn = stats.of('ns', 'fn');
    expect(stats.of('ns', 'fn')).toBe(fn);
    fn.began();
    fn.began();
    fn.began();
    fn.ended(200, 0.5);
    fn.ended(200, 0.25);
    fn.ended(503, 1);
    fn.began();
    stats.flush();
    expect(sent).toEqual([
      {
        source: 'gw',
        kind: 'sync',
        intervalMs: 1000,
        functions: [
          {
            name: 'fn',
            namespace: 'ns',
            codes: { '200': 2, '503': 1 },
            inflight: 1,
            durationSeconds: 1.75,
            latency: { [latencyBucket(0.5)]: 1, [latencyBucket(0.25)]: 1, [latencyBucket(1)]: 1 },
          },
        ],
      },
    ]);
    stats.flush(); // still one in flight: reported again with no completions
    expect(sent[1].functions[0]).toMatchObject({ codes: {}, inflight: 1, durationSeconds: 0, latency: {} });
    fn.ended(200, 0.1);
    stats.flush();
    stats.flush(); // nothing happened since: nothing sent
    expect(sent).toHaveLength(3);
  });
});
