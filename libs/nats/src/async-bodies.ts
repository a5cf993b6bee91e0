import { nuid, NatsConnection, ObjectStore, StorageType, nanos } from 'nats';
import { SubjectRegistry } from '@skiff/contracts';
import type { AsyncStoreOptions } from './async-store';

/**
 * Bodies of async calls too large for one NATS message, kept out of line in a JetStream object store
 * (`subjects.asyncBodiesStore`, file storage). The gateway stores the body before it publishes the
 * call (the message then carries `Skiff-Body-Ref` and no data); the queue-worker reads it back for
 * each attempt and removes it once the call is over. Dead letters keep their body (a replay needs
 * it) until they are dropped. The store's TTL (the longer of the result and dead-letter retention)
 * collects whatever a crash left behind.
 */
export class AsyncBodyStore {
  private constructor(private readonly os: ObjectStore) {}

  /** Opens (creating when missing) the store. */
  static async open(nc: NatsConnection, subjects: SubjectRegistry, options: AsyncStoreOptions): Promise<AsyncBodyStore> {
    const ttl = nanos(Math.max(options.resultTtlMs, options.deadLetterMaxAgeMs));
    return new AsyncBodyStore(await nc.jetstream().views.os(subjects.asyncBodiesStore, { storage: StorageType.File, ttl }));
  }

  /** Stores a body for the call and returns the reference to put in its message (unique per submission). */
  async put(callId: string, body: Uint8Array): Promise<string> {
    const name = `${callId}.${nuid.next()}`;
    await this.os.putBlob({ name }, body);
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
