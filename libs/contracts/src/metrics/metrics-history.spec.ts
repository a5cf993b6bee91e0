import 'reflect-metadata';
import { parsePayload } from '../validation';
import { MetricsPoint, emptyMetricsPoint, parseMetricsPoint, statusClass } from './metrics-history';

describe('metrics points', () => {
  const good = {
    ...emptyMetricsPoint(60_000, 5_000),
    codes: { '200': 3 },
    latency: { '40': 3 },
    decisions: [{ name: 'f', namespace: 'ns', from: 1, to: 2, reason: 'manual', at: 1, detail: 'd' }],
  };

  it('accepts a point the class accepts, and refuses malformed ones', () => {
    const bad: unknown[] = [
      null,
      'x',
      { ...good, stepMs: 7 },
      { ...good, t: -1 },
      { ...good, replicas: 1.5 },
      { ...good, codes: { '200': 'many' } },
      { ...good, latency: [1] },
      { ...good, decisions: [{ ...good.decisions[0], reason: 'whim' }] },
      { ...good, decisions: 'none' },
      { ...good, queueAgeSeconds: Number.NaN },
    ];
    expect(parseMetricsPoint(good)).toBe(good);
    expect(() => parsePayload(MetricsPoint, good)).not.toThrow();
    // Stricter than the class where the class checks only the shape (counts must be numbers).
    for (const value of bad) expect(parseMetricsPoint(value)).toBeUndefined();
  });

  it('classes statuses', () => {
    expect([200, '204', 302, 404, 429, 500, 503, 101].map(statusClass)).toEqual(['2xx', '2xx', '3xx', '4xx', '4xx', '5xx', '5xx', '5xx']);
  });
});
