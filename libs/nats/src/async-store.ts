import { DiscardPolicy, JSONCodec, KV, KvEntry, NatsConnection, RetentionPolicy, StorageType, nanos } from 'nats';
import { jetStreamLimits, JetStreamLimits } from '@skiff/config';
import { AsyncBodyStore } from './async-bodies';
import { AsyncCallResult, SubjectRegistry } from '@skiff/contracts';
import { ensureStream, openKvBucket } from './stream-limits';

const json = JSONCodec<AsyncCallResult>();

/** Retention settings of the async streams and results bucket. */
export interface AsyncStoreOptions {
  /** How long call states and results are kept (ms). */
  resultTtlMs: number;
  /** How long dead letters are kept (ms). */
  deadLetterMaxAgeMs: number;
  /** Storage quotas (default: the validated SKIFF_* quota variables). */
  limits?: JetStreamLimits;
}

/**
 * Creates (when missing) the async stream, the callback stream and the dead-letter stream, all with
 * file storage, and the object store of large bodies (see AsyncBodyStore), or brings existing ones to
 * the configured quotas. The async stream caps each function's subject at SKIFF_ASYNC_QUEUE_MAX
 * messages (discard new per subject: a full queue refuses the next call instead of dropping one).
 * Every stream discards new messages when full, so nothing stored is ever dropped to make room.
 * The gateway and the queue-worker both call it, so whichever starts first creates them.
 */
export async function ensureAsyncStreams(nc: NatsConnection, subjects: SubjectRegistry, options: AsyncStoreOptions): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const limits = options.limits ?? jetStreamLimits();
  const common = { storage: StorageType.File, duplicate_window: nanos(120_000), discard: DiscardPolicy.New };
  await ensureStream(jsm, {
    ...common,
    name: subjects.asyncStream,
    subjects: [subjects.asyncCallAll],
    retention: RetentionPolicy.Workqueue,
    max_bytes: limits.asyncBytes,
    max_msgs_per_subject: limits.asyncQueuePerFunction,
    discard_new_per_subject: true,
  });
  await ensureStream(jsm, {
    ...common,
    name: subjects.asyncCallbackStream,
    subjects: [subjects.asyncCallbackAll],
    retention: RetentionPolicy.Workqueue,
    max_bytes: limits.callbacksBytes,
  });
  await ensureStream(jsm, {
    ...common,
    name: subjects.asyncDeadLetterStream,
    subjects: [subjects.asyncDeadLetterAll],
    retention: RetentionPolicy.Limits,
    max_age: nanos(options.deadLetterMaxAgeMs),
    allow_direct: true,
    max_bytes: limits.deadLettersBytes,
  });
  await AsyncBodyStore.open(nc, subjects, options);
}

/** Opens (creating when missing) the async results bucket, with its TTL and quota. */
export async function openAsyncResultsBucket(nc: NatsConnection, subjects: SubjectRegistry, options: AsyncStoreOptions): Promise<KV> {
  return openKvBucket(nc, subjects.asyncResultsBucket, {
    ttl: options.resultTtlMs,
    max_bytes: (options.limits ?? jetStreamLimits()).asyncResultsBytes,
  });
}

/** True for the error of a compare-and-set whose expected revision no longer holds. */
export function isWrongRevision(err: unknown): boolean {
  return /wrong last sequence/i.test((err as Error)?.message ?? '');
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
    const keys: string[] = [];
    for await (const key of await this.kv.keys(this.subjects.asyncCallKeysOf(callId))) keys.push(key);
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
