import { DiscardPolicy, NatsConnection, RetentionPolicy, StorageType, nanos } from 'nats';
import { AsyncRetention, jetStreamLimits, JetStreamLimits } from '@skiff/config';
import { SubjectRegistry } from '@skiff/contracts';
import { ensureStream } from '@skiff/nats';

/** Retention and quotas of the async streams, results bucket and body store. */
export interface AsyncStoreOptions extends AsyncRetention {
  /** Storage quotas (default: the validated SKIFF_* quota variables). */
  limits?: JetStreamLimits;
}

/**
 * Creates (when missing) the async stream, the callback stream and the dead-letter stream, all with
 * file storage, or brings existing ones to the configured quotas. The async stream caps each
 * function's subject at SKIFF_ASYNC_QUEUE_MAX messages (discard new per subject: a full queue refuses
 * the next call instead of dropping one). Every stream discards new messages when full, so nothing
 * stored is ever dropped to make room. Whichever service opens the AsyncQueue first creates them.
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
}
