import type { MetricsPoint } from '@skiff/contracts';

/** The gauges a reader carries from a series' last stored point over the steps it finds none for. */
const GAUGES = ['replicas', 'availableReplicas', 'queueDepth', 'queueAgeSeconds', 'deadLetters'] as const;

/**
 * Whether `point` says nothing that `previous` (the series' last stored point) does not: no call, none
 * in flight, no cold start, no decision, and the same gauges. A reader shows such a step as the
 * previous point's gauges with zero rates, exactly what the point itself would show.
 */
export function isIdle(point: MetricsPoint, previous: MetricsPoint): boolean {
  return (
    Object.keys(point.codes).length === 0 &&
    Object.keys(point.latency).length === 0 &&
    point.durationSeconds === 0 &&
    point.inflight === 0 &&
    point.coldStarts === 0 &&
    point.coldStartSeconds === 0 &&
    point.decisions.length === 0 &&
    GAUGES.every((g) => point[g] === previous[g])
  );
}

/**
 * Which points of the function series of one step are stored: every point but an idle one (see
 * isIdle), and an idle one too once `heartbeatMs` passed since the series' last stored point, so that
 * a reader starting `heartbeatMs` before its range always finds the point it carries from, and never
 * carries one further than that (a function deleted, a scaler stopped).
 */
export class IdlePoints {
  private readonly stored = new Map<string, MetricsPoint>();

  constructor(private readonly heartbeatMs: number) {}

  /** Whether to store `point` of series `key` (remembered as its last stored point when so). */
  keep(key: string, point: MetricsPoint): boolean {
    const last = this.stored.get(key);
    if (last && point.t - last.t < this.heartbeatMs && isIdle(point, last)) return false;
    this.stored.set(key, point);
    return true;
  }

  /** Forgets every series: each one's next point is stored. */
  clear(): void {
    this.stored.clear();
  }

  /** Forgets the series whose key `current` does not hold (functions no longer registered). */
  retain(current: { has(key: string): boolean }): void {
    for (const key of this.stored.keys()) if (!current.has(key)) this.stored.delete(key);
  }
}
