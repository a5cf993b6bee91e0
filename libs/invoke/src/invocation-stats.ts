import { latencyBucket } from '@skiff/contracts';
import type { InvocationStat, InvocationStatsEvent } from '@skiff/contracts';

/** Calls of one function since the last flush. Callers may keep a reference (it is never replaced). */
export class FunctionCallStats {
  /** Completed calls by status since the last flush. */
  private readonly codes = new Map<number, number>();
  /** Completed calls by latency bucket since the last flush. */
  private readonly latency = new Map<number, number>();
  private inflight = 0;
  private durationSeconds = 0;
  private active = false;

  constructor(
    /** Function name. */
    readonly name: string,
    /** Namespace. */
    readonly namespace: string,
  ) {}

  /** A call started. */
  began(): void {
    this.inflight++;
    this.active = true;
  }

  /** A call finished with `status` after `seconds`. */
  ended(status: number, seconds: number): void {
    if (this.inflight > 0) this.inflight--;
    this.codes.set(status, (this.codes.get(status) ?? 0) + 1);
    this.durationSeconds += seconds;
    const bucket = latencyBucket(seconds);
    this.latency.set(bucket, (this.latency.get(bucket) ?? 0) + 1);
    this.active = true;
  }

  /** The interval's aggregate (undefined when nothing happened), and a fresh interval. */
  flush(): InvocationStat | undefined {
    if (!this.active && this.inflight === 0) return undefined;
    const codes: Record<string, number> = {};
    for (const [status, n] of this.codes) codes[status] = n;
    const latency: Record<string, number> = {};
    for (const [bucket, n] of this.latency) latency[bucket] = n;
    const stat = {
      name: this.name,
      namespace: this.namespace,
      codes,
      inflight: this.inflight,
      durationSeconds: this.durationSeconds,
      latency,
    } as InvocationStat;
    this.codes.clear();
    this.latency.clear();
    this.durationSeconds = 0;
    this.active = false;
    return stat;
  }
}

/** How a process publishes its invocation statistics. */
export interface InvocationStatsOptions {
  /** `<service>:<instance>`. */
  source: string;
  /** `sync` (gateway) or `async` (queue-worker). */
  kind: 'sync' | 'async';
  /** Flush period (default 1000 ms). */
  intervalMs?: number;
  /** Sends one aggregate on the bus (`evt.invocations`). */
  publish(event: InvocationStatsEvent): void;
}

/**
 * Per-function call counters of one process, published as one aggregate per interval, so the
 * scaler sees the load of every gateway and queue-worker without scraping anyone. The hot path
 * is two map lookups and a few increments; nothing is formatted per call.
 */
export class InvocationStats {
  private readonly byNamespace = new Map<string, Map<string, FunctionCallStats>>();
  private timer?: NodeJS.Timeout;
  private readonly intervalMs: number;

  constructor(private readonly options: InvocationStatsOptions) {
    this.intervalMs = options.intervalMs ?? 1000;
  }

  /** The counters of one function (created on first use). */
  of(namespace: string, name: string): FunctionCallStats {
    let names = this.byNamespace.get(namespace);
    if (!names) this.byNamespace.set(namespace, (names = new Map()));
    let stats = names.get(name);
    if (!stats) names.set(name, (stats = new FunctionCallStats(name, namespace)));
    return stats;
  }

  /** Starts publishing every interval. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops publishing and sends what is left. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }

  /** Publishes the interval's aggregate when any function had activity. */
  flush(): void {
    const functions: InvocationStat[] = [];
    for (const names of this.byNamespace.values()) {
      for (const stats of names.values()) {
        const stat = stats.flush();
        if (stat) functions.push(stat);
      }
    }
    if (!functions.length) return;
    try {
      this.options.publish({ source: this.options.source, kind: this.options.kind, intervalMs: this.intervalMs, functions });
    } catch {
      // Statistics are best effort: a closed connection must not break the caller.
    }
  }
}
