/**
 * Signed webhooks this connector accepted recently, so the same signed request is published once: a
 * key is claimed until it expires (the end of the signature's time window). Bounded: past `maxEntries`
 * the expired keys are dropped, then the oldest.
 */
export class ReplayCache {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly maxEntries = 100_000) {}

  /** Claims `key` until `expiresAt` (ms); false when it is claimed already (a replay). */
  claim(key: string, expiresAt: number, now = Date.now()): boolean {
    const until = this.expiries.get(key);
    if (until !== undefined && until > now) return false;
    if (this.expiries.size >= this.maxEntries) this.evict(now);
    this.expiries.delete(key);
    this.expiries.set(key, expiresAt);
    return true;
  }

  /** Gives a claim back (the request could not be published after all). */
  release(key: string): void {
    this.expiries.delete(key);
  }

  /** Keys held now. */
  get size(): number {
    return this.expiries.size;
  }

  private evict(now: number): void {
    for (const [key, until] of this.expiries) if (until <= now) this.expiries.delete(key);
    for (const key of this.expiries.keys()) {
      if (this.expiries.size < this.maxEntries) break;
      this.expiries.delete(key);
    }
  }
}
