import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AckPolicy, ConsumerMessages, JsMsg, NatsConnection } from 'nats';
import { Counter, Registry } from 'prom-client';
import { isReservedTopic, subjects, TRIGGER_HEADERS } from '@skiff/contracts';
import { NATS_MSG_ID_HEADER as NATS_MSG_ID } from '@skiff/contracts';
import { FunctionRegistryCache, NATS_CONNECTION } from '@skiff/nats';
import type { HeaderMap } from '@skiff/invoke';
import { AsyncQueue, triggerSubmission } from '@skiff/async';
import { HealthService, METRICS_REGISTRY } from '@skiff/observability';
import { TOPIC_ASYNC_QUEUE, TOPIC_REGISTRY } from './topics.tokens';
import { subscribersOf } from './topic-map';

/** Lease of one topic message while it is fanned out. */
const ACK_WAIT_MS = 30_000;
/** Back-off before a failed fan-out is retried. */
const RETRY_DELAY_MS = 1_000;
/** Messages fanned out at once by one router (each waits on JetStream round trips, not on CPU). */
const ROUTE_CONCURRENCY = 32;

/**
 * The topic router: one durable consumer on the topic stream shared by every queue-worker replica.
 * Each message becomes one async call per subscribed function (call id derived from the message, so
 * a redelivery after a crash mid fan-out never queues a function twice), then it is acked. A message
 * nobody subscribes to is acked and counted, and so is one on a reserved topic (`cron-function`,
 * `skiff.*`), which is never fanned out: only connector-cron runs cron functions. Up to ROUTE_CONCURRENCY messages, and every subscriber of
 * one, are handled at once: topic messages, like any async calls, carry no ordering promise.
 */
@Injectable()
export class TopicRouter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TopicRouter.name);
  private readonly messages: Counter<'outcome'>;
  private readonly calls: Counter;
  private consumer?: ConsumerMessages;
  private stopped = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(TOPIC_REGISTRY) private readonly registry: FunctionRegistryCache,
    @Inject(TOPIC_ASYNC_QUEUE) private readonly queue: AsyncQueue,
    @Inject(METRICS_REGISTRY) metrics: Registry,
    health: HealthService,
  ) {
    health.register('topic-registry', () =>
      registry.watching ? undefined : "the topic router's function registry watch is not running (being restarted)",
    );
    this.messages = new Counter({
      name: 'skiff_topic_messages_total',
      help: 'Topic messages handled by the router, by outcome (routed, unrouted, reserved, failed)',
      labelNames: ['outcome'],
      registers: [metrics],
    });
    this.calls = new Counter({
      name: 'skiff_topic_invocations_total',
      help: 'Async calls queued by the topic router',
      registers: [metrics],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    const durable = subjects.topicRouterConsumer;
    await jsm.consumers.info(subjects.topicStream, durable).catch(() =>
      jsm.consumers.add(subjects.topicStream, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        ack_wait: ACK_WAIT_MS * 1e6,
        max_ack_pending: 64,
      }),
    );
    const consumer = await this.nc.jetstream().consumers.get(subjects.topicStream, durable);
    this.consumer = await consumer.consume({ max_messages: 32 });
    void this.loop(this.consumer);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.consumer?.close().catch(() => undefined);
  }

  private async loop(messages: ConsumerMessages): Promise<void> {
    const inflight = new Set<Promise<void>>();
    for await (const msg of messages) {
      if (this.stopped) break;
      const routing: Promise<void> = this.route(msg).finally(() => inflight.delete(routing));
      inflight.add(routing);
      if (inflight.size >= ROUTE_CONCURRENCY) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  }

  /** Fans one message out; acks it when every subscriber's call is stored, naks it otherwise. */
  async route(msg: JsMsg): Promise<void> {
    const topic = subjects.topicOf(msg.subject);
    if (topic && isReservedTopic(topic)) {
      // cron-function is fired by connector-cron alone: a message on it is someone trying to run every cron function.
      this.messages.inc({ outcome: 'reserved' });
      this.logger.warn({ msg: 'message on a reserved topic dropped: only the platform triggers it', topic, seq: msg.seq });
      msg.ack();
      return;
    }
    const targets = topic ? subscribersOf(topic, this.registry.list()) : [];
    if (!topic || targets.length === 0) {
      this.messages.inc({ outcome: 'unrouted' });
      msg.ack();
      return;
    }
    const working = setInterval(() => msg.working(), ACK_WAIT_MS / 3);
    try {
      const messageId = msg.headers?.get(NATS_MSG_ID) || `${subjects.topicStream}:${msg.seq}`;
      const eventKey = `${subjects.topicStream}:${msg.seq}:${msg.info.timestampNanos}`;
      const headers = this.invocationHeaders(msg, topic, messageId);
      const outcomes = await Promise.all(
        targets.map((fn) => this.queue.submit(triggerSubmission({ ...fn, kind: 'topic', eventKey, headers, body: msg.data }))),
      );
      this.calls.inc(outcomes.filter((o) => o !== 'duplicate').length);
      msg.ack();
      this.messages.inc({ outcome: 'routed' });
    } catch (err) {
      this.messages.inc({ outcome: 'failed' });
      this.logger.warn({ msg: 'topic message not fanned out, retrying', topic, seq: msg.seq, error: (err as Error).message });
      msg.nak(RETRY_DELAY_MS);
    } finally {
      clearInterval(working);
    }
  }

  /** The message's NATS headers (JetStream's own left out), then `X-Topic`, `X-Connector`, `X-Message-Id`. */
  private invocationHeaders(msg: JsMsg, topic: string, messageId: string): HeaderMap {
    const headers: HeaderMap = {};
    for (const key of msg.headers?.keys() ?? []) {
      if (key.startsWith('Nats-') || key.startsWith('Skiff-')) continue;
      headers[key.toLowerCase()] = msg.headers!.values(key);
    }
    headers[TRIGGER_HEADERS.topic.toLowerCase()] = topic;
    headers[TRIGGER_HEADERS.connector.toLowerCase()] = msg.headers?.get(TRIGGER_HEADERS.connector) || 'nats';
    headers[TRIGGER_HEADERS.messageId.toLowerCase()] = messageId;
    return headers;
  }
}
