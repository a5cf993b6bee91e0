import { Inject, Injectable, Logger } from '@nestjs/common';
import { JetStreamClient, JsMsg, NatsConnection } from 'nats';
import { Counter, Registry } from 'prom-client';
import {
  ASYNC_HTTP_HEADERS,
  DEFAULT_MAX_PAYLOAD,
  HOP_BY_HOP_HEADERS,
  INTERNAL_HEADER_PREFIX,
  MAX_TOPIC_REPLY_HOPS,
  replyTopicOf,
  subjects,
  TRIGGER_HEADERS,
} from '@skiff/contracts';
import { ensureTopicStream, FunctionRegistryCache, NATS_CONNECTION, publishTopicMessage } from '@skiff/nats';
import type { InvokeResponse } from '@skiff/invoke';
import { METRICS_REGISTRY } from '@skiff/observability';
import { FUNCTION_REGISTRY } from '../queue-worker.tokens';

/** Room kept in the reply message for headers. */
const HEADER_ROOM = 64 * 1024;

/** What `publish` did with one finished call. */
export type ReplyOutcome = 'published' | 'none' | 'hop_limit' | 'too_large';

/**
 * `com.skiff.topic.reply`: publishes each successful async result of an annotated function to
 * `<prefix>.topic.<reply>` through the topic stream, so functions subscribed to that topic run next
 * (chaining). Failed, dead-lettered and cancelled calls publish nothing (they have dead letters and
 * callbacks). The message id is derived from the call and its async message, so a worker that
 * crashes after publishing and runs the call again publishes nothing twice (within the topic
 * stream's 2 min de-duplication window). `X-Topic-Hops` counts replies in a row; a result at
 * MAX_TOPIC_REPLY_HOPS is not published, so a loop (A replying to its own topic) ends.
 */
@Injectable()
export class TopicReplyPublisher {
  private readonly logger = new Logger(TopicReplyPublisher.name);
  private readonly js: JetStreamClient;
  private readonly replies: Counter<'outcome'>;
  private ready?: Promise<void>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(FUNCTION_REGISTRY) private readonly registry: FunctionRegistryCache,
    @Inject(METRICS_REGISTRY) metrics: Registry,
  ) {
    this.js = nc.jetstream();
    this.replies = new Counter({
      name: 'skiff_topic_replies_total',
      help: 'Results published to reply topics (com.skiff.topic.reply), by outcome (published, hop_limit, too_large)',
      labelNames: ['outcome'],
      registers: [metrics],
    });
  }

  /**
   * Publishes the result of one finished call when its function has a reply topic and the call
   * succeeded; resolves once JetStream stored it (rejects when it could not, so the call is retried
   * rather than its result lost).
   */
  async publish(
    msg: JsMsg,
    callId: string,
    fn: { namespace: string; name: string },
    state: string,
    response: InvokeResponse | undefined,
  ): Promise<ReplyOutcome> {
    if (state !== 'succeeded' || !response) return 'none';
    const topic = replyTopicOf(this.registry.get(fn.namespace, fn.name)?.spec.annotations);
    if (!topic) return 'none';
    const request = requestHeaders(msg);
    const hops = (Number(request[TRIGGER_HEADERS.replyHops.toLowerCase()]) || 0) + 1;
    const label = `${fn.name}.${fn.namespace}`;
    if (hops > MAX_TOPIC_REPLY_HOPS) {
      this.logger.warn({
        msg: 'result not published to the reply topic: too many replies in a row (a reply loop?)',
        function: label,
        callId,
        topic,
        hops: MAX_TOPIC_REPLY_HOPS,
      });
      return this.count('hop_limit');
    }
    if (response.body.length > (this.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD) - HEADER_ROOM) {
      this.logger.warn({
        msg: 'result not published to the reply topic: it does not fit one NATS message',
        function: label,
        callId,
        topic,
        bytes: response.body.length,
      });
      return this.count('too_large');
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP_HEADERS.has(lower) || lower.startsWith(INTERNAL_HEADER_PREFIX)) continue;
      headers[name] = [value].flat().join(', ');
    }
    headers[ASYNC_HTTP_HEADERS.callId] = callId;
    headers[ASYNC_HTTP_HEADERS.functionName] = label;
    headers[ASYNC_HTTP_HEADERS.functionStatus] = String(response.status);
    headers[TRIGGER_HEADERS.sourceCallId] = callId;
    headers[TRIGGER_HEADERS.connector] = 'reply';
    headers[TRIGGER_HEADERS.replyHops] = String(hops);
    const origin = request[TRIGGER_HEADERS.topic.toLowerCase()];
    if (origin) headers[TRIGGER_HEADERS.sourceTopic] = origin;
    try {
      this.ready ??= ensureTopicStream(this.nc, subjects);
      await this.ready;
      await publishTopicMessage(this.js, subjects, { topic, data: response.body, headers, messageId: `reply.${callId}.${msg.seq}` });
    } catch (err) {
      this.ready = undefined;
      throw err;
    }
    return this.count('published');
  }

  private count(outcome: ReplyOutcome): ReplyOutcome {
    this.replies.inc({ outcome });
    return outcome;
  }
}

/** The call's HTTP headers as stored in its async message, lower-cased (the platform's own left out). */
function requestHeaders(msg: JsMsg): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of msg.headers?.keys() ?? []) {
    const lower = key.toLowerCase();
    if (lower.startsWith('nats-') || lower.startsWith(INTERNAL_HEADER_PREFIX)) continue;
    out[lower] = msg.headers!.get(key);
  }
  return out;
}
