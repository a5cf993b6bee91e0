/** A reading older than this is stale: its source (a gateway or queue-worker) stopped publishing. */
export const INFLIGHT_FRESH_MS = 3_000;

/**
 * Calls in flight of one function across the platform: the latest reading of each source (every
 * gateway and queue-worker publishes its own each second while it has calls), added up over the
 * sources that reported within INFLIGHT_FRESH_MS. A source that stopped (or has nothing in flight any
 * more and so stopped reporting) drops out.
 */
export class InflightSum {
  private readonly bySource = new Map<string, { value: number; at: number }>();

  /** One source's reading at `now`. */
  set(source: string, value: number, now: number): void {
    this.bySource.set(source, { value, at: now });
  }

  /** The sum of the fresh readings at `now` (stale ones are forgotten). */
  sum(now: number): number {
    let sum = 0;
    for (const [source, r] of this.bySource) {
      if (now - r.at > INFLIGHT_FRESH_MS) this.bySource.delete(source);
      else sum += r.value;
    }
    return sum;
  }

  /** No source reported recently (after `sum` dropped the stale ones). */
  get empty(): boolean {
    return this.bySource.size === 0;
  }
}
