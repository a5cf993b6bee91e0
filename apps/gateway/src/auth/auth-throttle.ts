import ipaddr from 'ipaddr.js';

/** How failed logins are counted and answered. */
export interface AuthThrottleOptions {
  /** Failed logins from one address within `windowMs` before it is blocked. */
  maxFailures: number;
  /** The window the failures are counted in, and the first block's length. */
  windowMs: number;
  /** Longest block: each block in a row doubles, up to this. */
  maxBlockMs: number;
  /** Addresses remembered at most (the least recently seen is forgotten first). */
  maxAddresses: number;
}

interface Entry {
  failures: number;
  windowStart: number;
  lastFailure: number;
  blockedUntil: number;
  blocks: number;
}

/**
 * The key a client address is counted under: an IPv4 address (IPv4-mapped IPv6 included), or the /64
 * of an IPv6 address (one host usually holds a whole /64, so it cannot dodge by changing addresses).
 */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  try {
    const parsed = ipaddr.process(address);
    if (parsed.kind() === 'ipv4') return parsed.toString();
    return `${(parsed as ipaddr.IPv6).parts
      .slice(0, 4)
      .map((p) => p.toString(16))
      .join(':')}::/64`;
  } catch {
    return address;
  }
}

/**
 * Slows password guessing down per client address (security audit #19): after `maxFailures` wrong
 * logins within `windowMs`, every login from that address is refused without being checked, for
 * `windowMs` the first time and twice as long each time in a row (up to `maxBlockMs`); a right login
 * forgets the address. Other addresses are not affected. Memory is bounded: at most `maxAddresses`
 * entries, the least recently seen dropped first.
 */
export class AuthThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: AuthThrottleOptions) {}

  /** Milliseconds this address is still blocked for (0: it may try). */
  blockedFor(key: string, now = Date.now()): number {
    const entry = this.entries.get(key);
    return entry && entry.blockedUntil > now ? entry.blockedUntil - now : 0;
  }

  /** Counts a wrong login; may start a block. */
  failed(key: string, now = Date.now()): void {
    const { maxFailures, windowMs, maxBlockMs } = this.options;
    const entry = this.touch(key) ?? { failures: 0, windowStart: now, lastFailure: now, blockedUntil: 0, blocks: 0 };
    // Quiet for a whole longest block: the earlier blocks no longer count.
    if (now - entry.lastFailure > maxBlockMs) entry.blocks = 0;
    if (now - entry.windowStart > windowMs) {
      entry.failures = 0;
      entry.windowStart = now;
    }
    entry.lastFailure = now;
    if (++entry.failures >= maxFailures) {
      entry.blockedUntil = now + Math.min(maxBlockMs, windowMs * 2 ** entry.blocks);
      entry.blocks++;
      entry.failures = 0;
      entry.windowStart = now;
    }
    this.entries.set(key, entry);
    if (this.entries.size > this.options.maxAddresses) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** A right login: the address starts afresh. */
  succeeded(key: string): void {
    this.entries.delete(key);
  }

  /** Addresses remembered now (tests). */
  get size(): number {
    return this.entries.size;
  }

  /** The entry, moved to the most recently seen end. */
  private touch(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry) this.entries.delete(key);
    return entry;
  }
}
