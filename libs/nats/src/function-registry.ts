import { Logger } from '@nestjs/common';
import { JSONCodec, KV, KvEntry, NatsConnection, QueuedIterator } from 'nats';
import { FunctionRecord, SubjectRegistry } from '@skiff/contracts';
import { openKvBucket } from './stream-limits';

const json = JSONCodec<FunctionRecord>();

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

/**
 * A local, always-current copy of the function registry, kept by watching the KV bucket.
 * Lookups never leave the process: the gateway answers 404 for unknown functions from here.
 */
export class FunctionRegistryCache {
  private readonly records = new Map<string, FunctionRecord>();
  private watcher?: QueuedIterator<KvEntry>;
  private readonly logger = new Logger(FunctionRegistryCache.name);
  private listeners: Array<(change: RegistryChange) => void> = [];
  private running = false;

  private constructor(
    private readonly kv: KV,
    private readonly subjects: SubjectRegistry,
  ) {}

  /** Opens the bucket, loads every record and keeps watching; resolves once the initial load is done. */
  static async start(nc: NatsConnection, subjects: SubjectRegistry): Promise<FunctionRegistryCache> {
    const cache = new FunctionRegistryCache(await openFunctionsBucket(nc, subjects), subjects);
    await cache.watch();
    return cache;
  }

  /** One function, or undefined. */
  get(namespace: string, name: string): FunctionRecord | undefined {
    return this.records.get(this.subjects.functionKey(namespace, name));
  }

  /** Every function, optionally of one namespace. */
  list(namespace?: string): FunctionRecord[] {
    const all = [...this.records.values()];
    return namespace ? all.filter((r) => r.spec.namespace === namespace) : all;
  }

  /** Called after the cache applied a change. */
  onChange(listener: (change: RegistryChange) => void): void {
    this.listeners.push(listener);
  }

  /** True while the watch is running. */
  get watching(): boolean {
    return this.running;
  }

  /** Stops watching. */
  stop(): void {
    this.watcher?.stop();
  }

  private async watch(): Promise<void> {
    let initialised!: () => void;
    const ready = new Promise<void>((resolve) => (initialised = resolve));
    this.watcher = await this.kv.watch({ key: '>', initializedFn: () => initialised() });
    void this.consume(this.watcher);
    await ready;
  }

  private async consume(watcher: QueuedIterator<KvEntry>): Promise<void> {
    this.running = true;
    try {
      await this.apply(watcher);
    } catch (err) {
      // The watch can fail (e.g. the bucket was deleted); report it through `watching`, never crash.
      this.logger.error(`function registry watch stopped: ${(err as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  private async apply(watcher: QueuedIterator<KvEntry>): Promise<void> {
    for await (const entry of watcher) {
      try {
        if (entry.operation === 'PUT') {
          const record = decodeFunctionRecord(entry);
          this.records.set(entry.key, record);
          this.emit({ op: 'put', key: entry.key, record });
        } else {
          const record = this.records.get(entry.key);
          this.records.delete(entry.key);
          this.emit({ op: 'delete', key: entry.key, record });
        }
      } catch (err) {
        this.logger.error(`ignored unreadable registry entry ${entry.key}: ${(err as Error).message}`);
      }
    }
  }

  private emit(change: RegistryChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.logger.error(`registry listener failed: ${(err as Error).message}`);
      }
    }
  }
}
