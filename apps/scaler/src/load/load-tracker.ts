import type { InvocationStatsEvent } from '@skiff/contracts';
import { InflightSum } from './inflight-sum';

/** How long per-second buckets are kept (longest rate window supported). */
const KEEP_MS = 10 * 60_000;

interface Bucket {
  /** Second (ms since the epoch / 1000, floored). */
  second: number;
  /** Completed calls. */
  all: number;
  /** Completed calls answered 2xx. */
  ok: number;
}

/** The load of one function, from every gateway's and queue-worker's aggregates. */
export class FunctionLoad {
  private readonly buckets: Bucket[] = [];
  private readonly inflightSum = new InflightSum();
  /** Last time a call completed or was in flight (ms since the epoch); 0 = never seen. */
  lastActiveAt = 0;

  /** Adds one source's interval. */
  add(source: string, codes: Record<string, number>, inflight: number, now: number): void {
    let all = 0;
    let ok = 0;
    for (const code in codes) {
      const n = codes[code];
      if (!(n > 0)) continue;
      all += n;
      const status = Number(code);
      if (status >= 200 && status < 300) ok += n;
    }
    const second = Math.floor(now / 1000);
    let last = this.buckets[this.buckets.length - 1];
    if (!last || last.second !== second) {
      last = { second, all: 0, ok: 0 };
      this.buckets.push(last);
      const oldest = Math.floor((now - KEEP_MS) / 1000);
      while (this.buckets.length && this.buckets[0].second < oldest) this.buckets.shift();
    }
    last.all += all;
    last.ok += ok;
    this.inflightSum.set(source, inflight, now);
    if (all > 0 || inflight > 0) this.lastActiveAt = now;
  }

  /**
   * Completed calls per second over the last `windowMs` (2xx only when `okOnly`). Only whole
   * seconds count: the current one is still filling, and counting it would read low.
   */
  rate(windowMs: number, now: number, okOnly = false): number {
    const seconds = Math.max(1, Math.round(windowMs / 1000));
    const current = Math.floor(now / 1000);
    const from = current - seconds;
    let sum = 0;
    for (let i = this.buckets.length - 1; i >= 0 && this.buckets[i].second >= from; i--) {
      if (this.buckets[i].second < current) sum += okOnly ? this.buckets[i].ok : this.buckets[i].all;
    }
    return sum / seconds;
  }

  /** Calls in flight now, summed over every source that reported recently. */
  inflight(now: number): number {
    return this.inflightSum.sum(now);
  }
}

/** Load of every function, fed by `evt.invocations`. */
export class LoadTracker {
  private readonly functions = new Map<string, FunctionLoad>();

  /** Adds one aggregate from a gateway or queue-worker. */
  add(event: InvocationStatsEvent, now = Date.now()): void {
    for (const stat of event.functions) this.of(`${stat.namespace}.${stat.name}`).add(event.source, stat.codes, stat.inflight, now);
  }

  /** The load of one function (key `<ns>.<name>`), created empty when unseen. */
  of(key: string): FunctionLoad {
    let load = this.functions.get(key);
    if (!load) this.functions.set(key, (load = new FunctionLoad()));
    return load;
  }

  /** Forgets a deleted function. */
  forget(key: string): void {
    this.functions.delete(key);
  }
}
