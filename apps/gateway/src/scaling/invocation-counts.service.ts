import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { JSONCodec, KvEntry, NatsConnection, QueuedIterator } from 'nats';
import { InvocationCounter, subjects } from '@skiff/contracts';
import { NATS_CONNECTION, openKvBucket } from '@skiff/nats';

const json = JSONCodec<InvocationCounter>();

/**
 * A watched copy of the invocation counters bucket the scaler keeps, so `invocationCount` in
 * `/system/functions` is the total across every gateway without a round trip per function.
 */
@Injectable()
export class InvocationCounts implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(InvocationCounts.name);
  private readonly totals = new Map<string, number>();
  private watcher?: QueuedIterator<KvEntry>;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async onModuleInit(): Promise<void> {
    // Best effort: without JetStream the gateway still starts; counts are then omitted.
    try {
      const kv = await openKvBucket(this.nc, subjects.invocationsBucket);
      this.watcher = await kv.watch({ key: '>' });
      void this.consume(this.watcher);
    } catch (err) {
      this.logger.warn({ msg: 'invocation counters unavailable; invocationCount omitted', error: (err as Error).message });
    }
  }

  onApplicationShutdown(): void {
    this.watcher?.stop();
  }

  /** Completed calls of one function across every gateway and queue-worker (0 when unknown). */
  total(namespace: string, name: string): number {
    return this.totals.get(subjects.functionKey(namespace, name)) ?? 0;
  }

  private async consume(watcher: QueuedIterator<KvEntry>): Promise<void> {
    try {
      for await (const entry of watcher) {
        if (entry.operation !== 'PUT') this.totals.delete(entry.key);
        else {
          try {
            this.totals.set(entry.key, json.decode(entry.value).total);
          } catch {
            // A value someone else wrote by hand: ignore it.
          }
        }
      }
    } catch (err) {
      this.logger.warn({ msg: 'invocation counters watch ended', error: (err as Error).message });
    }
  }
}
