import { DiscardPolicy, headers as natsHeaders, JetStreamClient, NatsConnection, PubAck, RetentionPolicy, StorageType, nanos } from 'nats';
import { jetStreamLimits } from '@skiff/config';
import { SubjectRegistry } from '@skiff/contracts';
import { ensureStream, fullStoreError } from './stream-limits';

/** How long an un-routed topic message may wait in the topic stream (no queue-worker running). */
const TOPIC_MAX_AGE_MS = 24 * 3600_000;

/**
 * Creates (when missing) the topic stream: every `<prefix>.topic.>` message, file storage, work queue,
 * 2 min de-duplication by `Nats-Msg-Id`, SKIFF_TOPICS_MAX_BYTES (new messages refused when full), or
 * brings an existing one to that quota. The queue-worker, the gateway and connector-webhook call it.
 */
export async function ensureTopicStream(
  nc: NatsConnection,
  subjects: SubjectRegistry,
  maxBytes = jetStreamLimits().topicsBytes,
): Promise<void> {
  await ensureStream(await nc.jetstreamManager(), {
    name: subjects.topicStream,
    subjects: [subjects.topicAll],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    max_age: nanos(TOPIC_MAX_AGE_MS),
    duplicate_window: nanos(120_000),
    max_bytes: maxBytes,
    discard: DiscardPolicy.New,
  });
}

/** A message for a topic. */
export interface TopicMessage {
  /** The topic (validated by the caller). */
  topic: string;
  /** Body. */
  data: Uint8Array;
  /** Headers to carry to the functions (e.g. `Content-Type`, `X-Connector`). */
  headers: Record<string, string>;
  /** De-duplication id (`Nats-Msg-Id`). */
  messageId: string;
}

/** Publishes a topic message into the topic stream; resolves with JetStream's ack (it is stored); a full stream rejects with SkiffError 507. */
export async function publishTopicMessage(js: JetStreamClient, subjects: SubjectRegistry, message: TopicMessage): Promise<PubAck> {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(message.headers)) h.set(k, v);
  try {
    return await js.publish(subjects.topic(message.topic), message.data, {
      headers: h,
      msgID: message.messageId,
      expect: { streamName: subjects.topicStream },
    });
  } catch (err) {
    throw fullStoreError(err, 'the topic stream') ?? err;
  }
}
