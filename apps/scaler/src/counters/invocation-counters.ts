import { Logger } from '@nestjs/common';
import { JSONCodec, KV, NatsConnection } from 'nats';
import { openKvBucket } from '@skiff/nats';
import type { InvocationCounter, InvocationStatsEvent, SubjectRegistry } from '@skiff/contracts';

const json = JSONCodec<InvocationCounter>();
/** Compare-and-set attempts per key and flush. */
const CAS_ATTEMPTS = 5;

/** Opens (creating when missing) the invocation counters bucket: file storage, last value only. */
export async function openInvocationsBucket(nc: NatsConnection, subjects: SubjectRegistry): Promise<KV> {
  return openKvBucket(nc, subjects.invocationsBucket);
}

/**
 * Cumulative invocation counts per function, kept in a KV bucket so `invocationCount` is the
 * total across every gateway and survives restarts. Deltas are summed in memory and added to the
 * stored value with compare-and-set once per flush.
 */
export class InvocationCounters {
  private readonly logger = new Logger(InvocationCounters.name);
  private readonly pending = new Map<string, Record<string, number>>();
  private flushing = false;

  constructor(private readonly kv: KV) {}

  /** Adds one aggregate's completed calls. */
  add(event: InvocationStatsEvent): void {
    for (const stat of event.functions) {
      const key = `${stat.namespace}.${stat.name}`;
      let codes = this.pending.get(key);
      for (const code in stat.codes) {
        const n = stat.codes[code];
        if (!(n > 0) || !/^\d{3}$/.test(code)) continue;
        if (!codes) this.pending.set(key, (codes = {}));
        codes[code] = (codes[code] ?? 0) + n;
      }
    }
  }

  /** Writes pending deltas; a failed key keeps its delta for the next flush. */
  async flush(): Promise<void> {
    if (this.flushing || this.pending.size === 0) return;
    this.flushing = true;
    const batch = [...this.pending.entries()];
    this.pending.clear();
    try {
      for (const [key, delta] of batch) {
        try {
          await this.addTo(key, delta);
        } catch (err) {
          this.logger.warn({ msg: 'could not store invocation counts; retrying next flush', function: key, error: (err as Error).message });
          const again = this.pending.get(key) ?? {};
          for (const code in delta) again[code] = (again[code] ?? 0) + delta[code];
          this.pending.set(key, again);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Removes a deleted function's counts (a new function of that name starts at 0). */
  async forget(key: string): Promise<void> {
    this.pending.delete(key);
    await this.kv.purge(key).catch(() => undefined);
  }

  private async addTo(key: string, delta: Record<string, number>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const entry = await this.kv.get(key);
      const live = entry && entry.operation === 'PUT';
      const current: InvocationCounter = live ? json.decode(entry.value) : { total: 0, codes: {} };
      const next: InvocationCounter = { total: current.total, codes: { ...current.codes } };
      for (const code in delta) {
        next.codes[code] = (next.codes[code] ?? 0) + delta[code];
        next.total += delta[code];
      }
      try {
        // A purged (deleted) key still has a revision to compare against.
        if (entry) await this.kv.update(key, json.encode(next), entry.revision);
        else await this.kv.create(key, json.encode(next));
        return;
      } catch (err) {
        if (attempt >= CAS_ATTEMPTS) throw err;
      }
    }
  }
}
