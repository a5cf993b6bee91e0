import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { JetStreamClient, NatsConnection } from 'nats';
import { isCallId, isReservedTopic, SkiffError, subjects, topicProblem, TRIGGER_HEADERS } from '@skiff/contracts';
import { ensureTopicStream, NATS_CONNECTION, publishTopicMessage } from '@skiff/nats';
import { BodyLimit } from '../config/body-limit';

const TEXT = 'text/plain; charset=utf-8';
const PREFIX = '/system/topics/';

/**
 * `POST /system/topics/<topic>`: publishes the body (and its content type) on the topic, as
 * `nats pub <prefix>.topic.<topic>` would, and answers 202 `{topic, messageId}` once JetStream stored
 * it. `X-Message-Id` (optional) de-duplicates resubmissions within two minutes. Reserved topics
 * (`cron-function`, `skiff.*`) are 403. Auth: the /system guard.
 */
@Injectable()
export class TopicPublishHandler {
  private readonly logger = new Logger(TopicPublishHandler.name);
  private readonly js: JetStreamClient;
  private ready?: Promise<void>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly bodyLimit: BodyLimit,
  ) {
    this.js = nc.jetstream({ timeout: 5_000 });
  }

  async handle(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const raw = request.url.slice(PREFIX.length).split('?')[0];
    let topic: string;
    try {
      topic = decodeURIComponent(raw);
    } catch {
      return this.fail(reply, 400, 'topic is not valid percent-encoding');
    }
    const problem = topicProblem(topic);
    if (problem) return this.fail(reply, 400, problem);
    if (isReservedTopic(topic))
      return this.fail(
        reply,
        403,
        `topic "${topic}" is reserved for the platform (cron-function, skiff.*): it cannot be published to (cron functions run on their schedule)`,
      );
    const given = request.headers['x-message-id'];
    if (given !== undefined && !isCallId(given))
      return this.fail(reply, 400, 'X-Message-Id must be 1-128 characters of A-Z a-z 0-9 "-" "_" "." "="');
    const messageId = given ?? randomUUID();
    const headers: Record<string, string> = { [TRIGGER_HEADERS.connector]: 'gateway' };
    const type = request.headers['content-type'];
    if (type) headers['Content-Type'] = type;
    try {
      this.ready ??= ensureTopicStream(this.nc, subjects).catch((err: Error) => {
        this.ready = undefined;
        throw err;
      });
      await this.ready;
      const ack = await publishTopicMessage(this.js, subjects, {
        topic,
        data: (request.body as Buffer | undefined) ?? new Uint8Array(0),
        headers,
        messageId,
      });
      void reply.code(202).send({ topic, messageId, duplicate: ack.duplicate });
    } catch (err) {
      if (err instanceof SkiffError) return this.fail(reply, err.status, err.message);
      this.ready = undefined;
      this.logger.warn({ msg: 'topic message not stored', topic, error: (err as Error).message });
      this.fail(reply, 503, `topic stream unavailable, the message was not stored: ${(err as Error).message}`);
    }
  }

  /** Errors raised before the handler (body over the limit). */
  onError(error: Error & { code?: string; statusCode?: number }, _request: FastifyRequest, reply: FastifyReply): void {
    if (reply.sent) return;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return this.fail(reply, 413, this.bodyLimit.message);
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    this.fail(reply, status, error.message);
  }

  private fail(reply: FastifyReply, status: number, message: string): void {
    void reply.code(status).type(TEXT).send(message);
  }
}
