import { nuid, NatsConnection, ObjectStore, nanos } from 'nats';
import { jetStreamLimits } from '@skiff/config';
import { SubjectRegistry } from '@skiff/contracts';
import type { AsyncStoreOptions } from './async-store';
import { fullStoreError, openObjectStore } from './stream-limits';

/**
 * Bodies of async calls too large for one NATS message, kept out of line in a JetStream object store
 * (`subjects.asyncBodiesStore`, file storage). The gateway stores the body before it publishes the
 * call (the message then carries `Skiff-Body-Ref` and no data); the queue-worker reads it back for
 * each attempt and removes it once the call is over. Dead letters keep their body (a replay needs
 * it) until they are dropped. The store's TTL (the longer of the result and dead-letter retention)
 * collects whatever a crash left behind.
 */
export class AsyncBodyStore {
  private constructor(
    private readonly os: ObjectStore,
    private readonly maxBytes: number,
  ) {}

  /** Opens (creating when missing) the store, with its TTL and quota (SKIFF_ASYNC_BODIES_MAX_BYTES). */
  static async open(nc: NatsConnection, subjects: SubjectRegistry, options: AsyncStoreOptions): Promise<AsyncBodyStore> {
    const ttl = nanos(Math.max(options.resultTtlMs, options.deadLetterMaxAgeMs));
    const maxBytes = (options.limits ?? jetStreamLimits()).asyncBodiesBytes;
    return new AsyncBodyStore(await openObjectStore(nc, subjects.asyncBodiesStore, { ttl, max_bytes: maxBytes }), maxBytes);
  }

  /**
   * Stores a body for the call and returns the reference to put in its message (unique per
   * submission); a full store rejects with SkiffError `platform/storage-full` (507).
   */
  async put(callId: string, body: Uint8Array): Promise<string> {
    const name = `${callId}.${nuid.next()}`;
    try {
      await this.os.putBlob({ name }, body);
    } catch (err) {
      throw fullStoreError(err, 'the async body store', this.maxBytes) ?? err;
    }
    return name;
  }

  /** The body, or undefined when it is gone (removed, or older than the store's TTL). */
  async get(ref: string): Promise<Uint8Array | undefined> {
    return (await this.os.getBlob(ref)) ?? undefined;
  }

  /** Removes a body; a body already gone is not an error. */
  async remove(ref: string): Promise<void> {
    await this.os.delete(ref).catch((err: Error) => {
      if (!/not found/i.test(err.message)) throw err;
    });
  }

  /** Names of the stored bodies (tests and diagnostics). */
  async list(): Promise<string[]> {
    return (await this.os.list()).filter((o) => !o.deleted).map((o) => o.name);
  }
}
