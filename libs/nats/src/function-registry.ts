import { Logger } from '@nestjs/common';
import { JSONCodec, KV, KvEntry, NatsConnection, QueuedIterator } from 'nats';
import { FunctionRecord, SubjectRegistry } from '@skiff/contracts';
import { openKvBucket } from './stream-limits';
import { kvKeys } from './kv-keys';
import { isJetStreamError } from './jetstream-errors';

const json = JSONCodec<FunctionRecord>();
const decoder = new TextDecoder();

/** Opens (creating when missing) the function registry bucket: file storage, last value only, SKIFF_KV_MAX_BYTES. */
export async function openFunctionsBucket(nc: NatsConnection, subjects: SubjectRegistry): Promise<KV> {
  return openKvBucket(nc, subjects.functionsBucket);
}

/** Decodes one registry value. */
export function decodeFunctionRecord(entry: Pick<KvEntry, 'value'>): FunctionRecord {
  return json.decode(entry.value);
}

/** Encodes one registry value. */
export function encodeFunctionRecord(record: FunctionRecord): Uint8Array {
  return json.encode(record);
}

/** What changed in the registry. */
export type RegistryChange = { op: 'put'; key: string; record: FunctionRecord } | { op: 'delete'; key: string; record?: FunctionRecord };

/** How a stopped registry watch is restarted. */
export interface RegistryWatchOptions {
  /** First wait before restarting a watch that ended (ms). */
  restartMinMs?: number;
  /** Longest wait between restarts (ms; the wait doubles after each failed restart). */
  restartMaxMs?: number;
  /**
   * How often the bucket's stream is checked (ms): a stream that is gone or was re-created (a watch can
   * silently re-attach to a new, empty stream and miss every record that vanished) restarts the watch.
   */
  verifyIntervalMs?: number;
}

/**
 * A local, always-current copy of the function registry, kept by watching the KV bucket.
 * Lookups never leave the process: the gateway answers 404 for unknown functions from here.
 * A watch that ends (the bucket was deleted, the server lost its stream) is restarted with back-off,
 * reporting `watching === false` meanwhile (every service's /healthz shows it); a restart catches up:
 * records that vanished meanwhile are dropped (listeners hear a delete), changed ones are applied, and
 * unchanged ones are not announced again.
 */
export class FunctionRegistryCache {
  private readonly records = new Map<string, FunctionRecord>();
  /** The stored JSON of each record, so a re-delivered unchanged value is not announced again. */
  private readonly raw = new Map<string, string>();
  private watcher?: QueuedIterator<KvEntry>;
  private readonly logger = new Logger(FunctionRegistryCache.name);
  private listeners: Array<(change: RegistryChange) => void> = [];
  private running = false;
  private stopped = false;
  private restartTimer?: NodeJS.Timeout;
  /** True once a watch was restarted. */
  private restarted = false;
  private restartDelayMs: number;
  private readonly restartMinMs: number;
  private readonly restartMaxMs: number;
  private readonly verifier?: NodeJS.Timeout;
  /** Creation time of the bucket's stream the current watch started on. */
  private streamCreated?: string;

  private constructor(
    private readonly nc: NatsConnection,
    private kv: KV,
    private readonly subjects: SubjectRegistry,
    options: RegistryWatchOptions,
  ) {
    this.restartMinMs = options.restartMinMs ?? 500;
    this.restartMaxMs = Math.max(this.restartMinMs, options.restartMaxMs ?? 30_000);
    this.restartDelayMs = this.restartMinMs;
    this.verifier = setInterval(() => void this.verify(), options.verifyIntervalMs ?? 30_000);
    this.verifier.unref();
  }

  /** Opens the bucket, loads every record and keeps watching; resolves once the initial load is done. */
  static async start(nc: NatsConnection, subjects: SubjectRegistry, options: RegistryWatchOptions = {}): Promise<FunctionRegistryCache> {
    const cache = new FunctionRegistryCache(nc, await openFunctionsBucket(nc, subjects), subjects, options);
    await cache.watch();
    return cache;
  }

  /** One function, or undefined. */
  get(namespace: string, name: string): FunctionRecord | undefined {
    return this.records.get(this.keyOf(namespace, name));
  }

  /** The registry key of a function (what RegistryChange.key names). */
  keyOf(namespace: string, name: string): string {
    return this.subjects.functionKey(namespace, name);
  }

  /** Every function, optionally of one namespace. */
  list(namespace?: string): FunctionRecord[] {
    const all = [...this.records.values()];
    return namespace ? all.filter((r) => r.spec.namespace === namespace) : all;
  }

  /**
   * One function read from the bucket itself, not the cache: for decisions that must not rest on a
   * cache that may be behind (dead-lettering the calls of a function that looks deleted).
   */
  async lookup(namespace: string, name: string): Promise<FunctionRecord | undefined> {
    const entry = await this.kv.get(this.subjects.functionKey(namespace, name));
    return entry && entry.operation === 'PUT' && entry.length > 0 ? decodeFunctionRecord(entry) : undefined;
  }

  /** The cache turned out to be behind the bucket: restart the watch, which catches up. */
  resync(reason: string): void {
    if (!this.running || this.stopped) return;
    this.logger.error({ msg: 'function registry cache is behind the bucket: restarting the watch', reason });
    this.watcher?.stop();
  }

  /** Called after the cache applied a change. */
  onChange(listener: (change: RegistryChange) => void): void {
    this.listeners.push(listener);
  }

  /** True while the watch is running (false while it is being restarted). */
  get watching(): boolean {
    return this.running;
  }

  /** Stops watching (for good). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.verifier);
    this.watcher?.stop();
  }

  /** Ends the watch (it is then restarted) when its stream is gone or is not the one it started on. */
  private async verify(): Promise<void> {
    if (!this.running || this.stopped) return;
    const created = await this.kv
      .status()
      .then((s) => s.streamInfo.created)
      .catch((err: unknown) => (isJetStreamError(err, 'streamNotFound') ? 'gone' : undefined));
    if (!created || created === this.streamCreated || !this.running) return;
    this.logger.error({ msg: `function registry bucket ${created === 'gone' ? 'is gone' : 'was re-created'}: restarting the watch` });
    this.watcher?.stop();
  }

  private async watch(): Promise<void> {
    this.streamCreated = (await this.kv.status()).streamInfo.created;
    let initialised!: () => void;
    const ready = new Promise<void>((resolve) => (initialised = resolve));
    const watcher = await this.kv.watch({ key: '>', initializedFn: () => initialised() });
    this.watcher = watcher;
    this.running = true;
    void this.consume(watcher);
    await ready;
  }

  private async consume(watcher: QueuedIterator<KvEntry>): Promise<void> {
    try {
      await this.apply(watcher);
      if (!this.stopped) this.logger.error('function registry watch ended');
    } catch (err) {
      // The watch can fail (e.g. the bucket was deleted); report it through `watching`, never crash.
      this.logger.error({ msg: 'function registry watch stopped', error: (err as Error).message });
    } finally {
      if (this.watcher === watcher) {
        this.running = false;
        this.scheduleRestart();
      }
    }
  }

  private scheduleRestart(): void {
    if (this.stopped) return;
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(this.restartMaxMs, this.restartDelayMs * 2);
    this.logger.warn({ msg: 'restarting the function registry watch', delayMs: delay });
    this.restartTimer = setTimeout(() => void this.restart(), delay);
  }

  /** Re-opens the bucket (re-created when it is gone), drops records that vanished, and watches again. */
  private async restart(): Promise<void> {
    if (this.stopped) return;
    try {
      this.kv = await openFunctionsBucket(this.nc, this.subjects);
      const present = new Set<string>();
      for (const key of await kvKeys(this.nc, this.subjects.functionsBucket)) present.add(key);
      for (const key of [...this.records.keys()]) if (!present.has(key)) this.forget(key);
      this.restarted = true;
      await this.watch();
      this.restartDelayMs = this.restartMinMs;
      this.logger.log('function registry watch restarted');
    } catch (err) {
      this.logger.error({ msg: 'function registry watch could not be restarted', error: (err as Error).message });
      this.running = false;
      this.scheduleRestart();
    }
  }

  private async apply(watcher: QueuedIterator<KvEntry>): Promise<void> {
    for await (const entry of watcher) {
      try {
        if (entry.operation === 'PUT') {
          const text = decoder.decode(entry.value);
          if (this.raw.get(entry.key) === text) continue;
          const record = decodeFunctionRecord(entry);
          this.records.set(entry.key, record);
          this.raw.set(entry.key, text);
          this.emit({ op: 'put', key: entry.key, record });
        } else if (this.records.has(entry.key) || !this.restarted) {
          // After a restart, the delete markers of records already gone are not announced again.
          this.forget(entry.key);
        }
      } catch (err) {
        this.logger.error({ msg: 'ignored an unreadable registry entry', key: entry.key, error: (err as Error).message });
      }
    }
  }

  private forget(key: string): void {
    const record = this.records.get(key);
    this.records.delete(key);
    this.raw.delete(key);
    this.emit({ op: 'delete', key, record });
  }

  private emit(change: RegistryChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.logger.error({ msg: 'registry listener failed', error: (err as Error).message });
      }
    }
  }
}
