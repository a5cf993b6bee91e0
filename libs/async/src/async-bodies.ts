import { nuid, NatsConnection, ObjectStore, nanos } from 'nats';
import { jetStreamLimits } from '@skiff/config';
import { SubjectRegistry } from '@skiff/contracts';
import { fullStoreError, isJetStreamError, openObjectStore } from '@skiff/nats';
import type { AsyncStoreOptions } from './async-streams';

/**
 * Bodies of async calls too large for one NATS message, kept out of line in a JetStream object store
 * (`subjects.asyncBodiesStore`, file storage). The gateway stores the body before it publishes the
 * call (the message then carries `Skiff-Body-Ref` and no data); the queue-worker reads it back for
 * each attempt and removes it once the call is over. Dead letters keep their body (a replay needs
 * it) until they are dropped. The store's TTL (the longer of the result and dead-letter retention)
 * collects whatever a crash left behind.
 */
/** putStream waits for the server to have taken what was written after this many bytes (pacing, no pile-up). */
const FLUSH_EVERY_BYTES = 1024 * 1024;

export class AsyncBodyStore {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly os: ObjectStore,
    private readonly maxBytes: number,
  ) {}

  /** Opens (creating when missing) the store, with its TTL and quota (SKIFF_ASYNC_BODIES_MAX_BYTES). */
  static async open(nc: NatsConnection, subjects: SubjectRegistry, options: AsyncStoreOptions): Promise<AsyncBodyStore> {
    const ttl = nanos(Math.max(options.resultTtlMs, options.deadLetterMaxAgeMs));
    const maxBytes = (options.limits ?? jetStreamLimits()).asyncBodiesBytes;
    return new AsyncBodyStore(nc, await openObjectStore(nc, subjects.asyncBodiesStore, { ttl, max_bytes: maxBytes }), maxBytes);
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

  /**
   * Stores a body as it arrives (the HTTP request, read at the pace the server takes it: the object
   * store's put does not wait for its chunks' acks, so reading waits for a flush every MiB), so a large
   * upload is never held whole; returns the reference like put(). An error from `source` (the
   * caller's limit, a client that went away) ends the put and removes what was written.
   */
  async putStream(callId: string, source: AsyncIterable<Uint8Array>): Promise<string> {
    const name = `${callId}.${nuid.next()}`;
    const parts = source[Symbol.asyncIterator]();
    const nc = this.nc;
    let unflushed = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (unflushed >= FLUSH_EVERY_BYTES) {
          await nc.flush();
          unflushed = 0;
        }
        const next = await parts.next();
        if (next.done) return controller.close();
        unflushed += next.value.length;
        controller.enqueue(next.value);
      },
      async cancel() {
        await parts.return?.();
      },
    });
    try {
      await this.os.put({ name }, stream);
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
      if (!isJetStreamError(err, 'noMessageFound', 'streamNotFound')) throw err;
    });
  }

  /** Names of the stored bodies (tests and diagnostics). */
  async list(): Promise<string[]> {
    return (await this.os.list()).filter((o) => !o.deleted).map((o) => o.name);
  }
}
