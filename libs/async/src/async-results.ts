import { JSONCodec, KV, KvEntry, NatsConnection } from 'nats';
import { jetStreamLimits } from '@skiff/config';
import { AsyncCallResult, SubjectRegistry } from '@skiff/contracts';
import { isJetStreamError, kvKeys, openKvBucket } from '@skiff/nats';
import type { AsyncStoreOptions } from './async-streams';

const json = JSONCodec<AsyncCallResult>();

/** Opens (creating when missing) the async results bucket, with its TTL and quota. */
export async function openAsyncResultsBucket(nc: NatsConnection, subjects: SubjectRegistry, options: AsyncStoreOptions): Promise<KV> {
  return openKvBucket(nc, subjects.asyncResultsBucket, {
    ttl: options.resultTtlMs,
    max_bytes: (options.limits ?? jetStreamLimits()).asyncResultsBytes,
  });
}

/** True for the error of a compare-and-set whose expected revision no longer holds. */
export function isWrongRevision(err: unknown): boolean {
  return isJetStreamError(err, 'wrongLastSequence');
}

/** A call's state with the KV revision it was read at (for compare-and-set). */
export interface StoredAsyncResult {
  /** The state. */
  value: AsyncCallResult;
  /** KV revision of the entry. */
  revision: number;
}

/** Which call: call ids are scoped per function. */
export interface CallRef {
  /** The call id. */
  callId: string;
  /** Function namespace. */
  namespace: string;
  /** Function name. */
  name: string;
}

/**
 * Async call states and results, keyed per function: `<ns>.<fn>.<call id>` (subjects.asyncCallKey;
 * call ids are valid KV key tokens by construction), so the same id used for two functions names two
 * calls, and nothing one caller sends can touch another function's call.
 */
export class AsyncResultStore {
  constructor(
    readonly kv: KV,
    private readonly subjects: SubjectRegistry,
    private readonly nc: NatsConnection,
  ) {}

  private key(ref: CallRef): string {
    return this.subjects.asyncCallKey(ref.namespace, ref.name, ref.callId);
  }

  /** The call's state, or undefined when unknown or expired. */
  async get(ref: CallRef): Promise<StoredAsyncResult | undefined> {
    const entry: KvEntry | null = await this.kv.get(this.key(ref));
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return undefined;
    return { value: json.decode(entry.value), revision: entry.revision };
  }

  /** Every function's call with this id (status and cancel by id alone), in key order. */
  async find(callId: string): Promise<StoredAsyncResult[]> {
    // Not kv.keys(): it can wait forever while the call's state is being written (kvKeys says why).
    const keys = await kvKeys(this.nc, this.subjects.asyncResultsBucket, this.subjects.asyncCallKeysOf(callId));
    const out: StoredAsyncResult[] = [];
    for (const key of keys.sort()) {
      const entry = await this.kv.get(key);
      if (entry && entry.operation === 'PUT' && entry.length > 0) out.push({ value: json.decode(entry.value), revision: entry.revision });
    }
    return out;
  }

  /** Writes the state only if the call is new; rejects with a wrong-revision error otherwise. */
  async create(result: AsyncCallResult): Promise<number> {
    return this.kv.create(this.key(result), json.encode(result));
  }

  /** Writes the state unconditionally. */
  async put(result: AsyncCallResult): Promise<number> {
    return this.kv.put(this.key(result), json.encode(result));
  }

  /** Writes the state only if the entry is still at `revision`; returns false when it changed meanwhile. */
  async replace(result: AsyncCallResult, revision: number): Promise<boolean> {
    try {
      await this.kv.update(this.key(result), json.encode(result), revision);
      return true;
    } catch (err) {
      if (isWrongRevision(err)) return false;
      throw err;
    }
  }

  /** Forgets a call (used when a submission could not be stored). */
  async remove(ref: CallRef): Promise<void> {
    await this.kv.delete(this.key(ref));
  }
}
