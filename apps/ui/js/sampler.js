// Live data for the list and the charts: polls GET /system/functions every couple of seconds and
// keeps, per function, a short history of invocation rate (the invocationCount delta over the time
// between two samples) and replica counts. One sampler for the whole page.
import { listFunctions } from './api.js';

/** Poll period. */
export const SAMPLE_INTERVAL_MS = 2000;
/** How much history the charts show. */
export const HISTORY_MS = 5 * 60 * 1000;
/** The per-function series, aligned with the sample times. */
const SERIES = ['rate', 'replicas', 'available'];

/** Polls the function list and dispatches `sample` (after each poll) and `error` events. */
export class Sampler extends EventTarget {
  constructor(intervalMs = SAMPLE_INTERVAL_MS, historyMs = HISTORY_MS) {
    super();
    this.intervalMs = intervalMs;
    this.historyMs = historyMs;
    /** name → latest FunctionStatus. */
    this.functions = new Map();
    /** Sample times (epoch seconds), shared by every history. */
    this.times = [];
    /** name → { rate, replicas, available: (number|null)[] aligned with `times`, last?: {t, count} }. */
    this.history = new Map();
    /** Message of the last failed poll, undefined after a good one. */
    this.error = undefined;
    this.loaded = false;
    /** The namespace polled; undefined: the gateway's default. */
    this.namespace = undefined;
    this.timer = undefined;
    this.running = undefined;
    this.runningFor = undefined;
  }

  start() {
    if (this.timer !== undefined) return;
    const loop = async () => {
      // A hidden tab does not poll; the next rate spans the pause, so no invocation is lost.
      if (!document.hidden) await this.refresh();
      this.timer = setTimeout(loop, this.intervalMs);
    };
    this.timer = setTimeout(loop, 0);
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) void this.refresh();
    });
  }

  /** Polls now (after an action); concurrent calls for the same namespace share one request. */
  refresh() {
    if (this.running && this.runningFor === this.namespace) return this.running;
    // A poll of the previous namespace may still run: this one follows it.
    const previous = this.running ?? Promise.resolve();
    this.runningFor = this.namespace;
    const run = previous
      .then(() => this.poll())
      .finally(() => {
        if (this.running === run) this.running = undefined;
      });
    this.running = run;
    return run;
  }

  /** Switches to another namespace: history starts again. */
  setNamespace(namespace) {
    if ((namespace || undefined) === this.namespace) return;
    this.namespace = namespace || undefined;
    this.functions = new Map();
    this.times = [];
    this.history = new Map();
    this.loaded = false;
    this.error = undefined;
    this.dispatchEvent(new Event('sample'));
    void this.refresh();
  }

  async poll() {
    const namespace = this.namespace;
    let list;
    try {
      list = await listFunctions(namespace);
    } catch (err) {
      if (namespace !== this.namespace) return;
      this.error = err.message;
      this.dispatchEvent(new Event('error'));
      return;
    }
    // Switched namespace while this poll ran: its answer belongs to the old one.
    if (namespace !== this.namespace) return;
    this.error = undefined;
    this.loaded = true;
    const now = Date.now() / 1000;
    this.times.push(now);
    const current = new Map((list ?? []).map((fn) => [fn.name, fn]));
    for (const name of this.functions.keys()) if (!current.has(name)) this.history.delete(name);
    this.functions = current;
    for (const fn of current.values()) this.record(fn, now);
    const oldest = now - this.historyMs / 1000;
    let drop = 0;
    while (drop < this.times.length && this.times[drop] < oldest) drop++;
    if (drop) {
      this.times.splice(0, drop);
      for (const h of this.history.values()) for (const key of SERIES) h[key].splice(0, drop);
    }
    this.dispatchEvent(new Event('sample'));
  }

  /** Appends one sample of a function; a new function's earlier samples are gaps (null). */
  record(fn, now) {
    let h = this.history.get(fn.name);
    if (!h) {
      const gaps = () => new Array(this.times.length - 1).fill(null);
      this.history.set(fn.name, (h = { rate: gaps(), replicas: gaps(), available: gaps(), last: undefined }));
    }
    const count = fn.invocationCount ?? 0;
    // A redeploy can reset the counter: never chart a negative rate.
    const rate = h.last && now > h.last.t ? Math.max(0, (count - h.last.count) / (now - h.last.t)) : null;
    h.last = { t: now, count };
    h.rate.push(rate);
    h.replicas.push(fn.replicas ?? 0);
    h.available.push(fn.availableReplicas ?? 0);
  }

  /** The latest invocation rate of a function (null before its second sample). */
  rate(name) {
    const h = this.history.get(name);
    return h?.rate.length ? h.rate[h.rate.length - 1] : null;
  }

  /** Adds a listener and returns the function that removes it. */
  on(type, listener) {
    this.addEventListener(type, listener);
    return () => this.removeEventListener(type, listener);
  }
}
