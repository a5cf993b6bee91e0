import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { JetStreamClient, NatsConnection } from 'nats';
import { Counter, Registry } from 'prom-client';
import { isCallId, subjects, topicProblem, TRIGGER_HEADERS } from '@skiff/contracts';
import { ensureTopicStream, NATS_CONNECTION, publishTopicMessage } from '@skiff/nats';
import { METRICS_REGISTRY } from '@skiff/observability';
import { CONNECTOR_WEBHOOK_ENV, ConnectorWebhookEnv } from './config/connector-webhook.env';
import { signatureProblem } from './signature';

const TEXT = 'text/plain; charset=utf-8';
/** Request headers carried to the functions besides `X-*` ones. */
const KEPT = new Set(['content-type', 'user-agent']);
/** `X-*` headers not carried (proxy bookkeeping, and what the router sets itself). */
const DROPPED = new Set(['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip', 'x-topic', 'x-connector', 'x-call-id']);

/**
 * `POST /webhook/<topic>`: checks the signature when the topic has a secret (`webhook-<topic>`), then
 * publishes body, content type and the `X-*` headers to `<prefix>.topic.<topic>` and answers 202
 * `{topic, messageId}` once JetStream stored it. A GitHub redelivery (`X-GitHub-Delivery`) is
 * de-duplicated for two minutes.
 */
@Injectable()
export class WebhookHandler {
  private readonly logger = new Logger(WebhookHandler.name);
  private readonly js: JetStreamClient;
  private ready?: Promise<void>;
  private readonly requests: Counter<'outcome'>;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(CONNECTOR_WEBHOOK_ENV) private readonly env: ConnectorWebhookEnv,
    @Inject(METRICS_REGISTRY) metrics: Registry,
  ) {
    this.js = nc.jetstream({ timeout: 5_000 });
    this.requests = new Counter({ name: 'skiff_webhook_requests_total', help: 'Webhook requests, by outcome (published, unauthorized, invalid, too_large, unavailable)', labelNames: ['outcome'], registers: [metrics] });
  }

  async handle(request: FastifyRequest<{ Params: { topic: string } }>, reply: FastifyReply): Promise<void> {
    const topic = request.params.topic;
    const problem = topicProblem(topic);
    if (problem) return this.fail(reply, 400, problem, 'invalid');
    const body = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
    const secret = await this.secret(topic);
    if (secret) {
      const bad = signatureProblem(secret, body, request.headers);
      if (bad) return this.fail(reply, 401, bad, 'unauthorized');
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.headers)) {
      if (value === undefined || !(KEPT.has(key) || (key.startsWith('x-') && !DROPPED.has(key)))) continue;
      headers[canonical(key)] = Array.isArray(value) ? value.join(', ') : value;
    }
    headers[TRIGGER_HEADERS.connector] = 'webhook';
    const delivery = request.headers['x-github-delivery'];
    const messageId = typeof delivery === 'string' && isCallId(delivery) ? `github-${delivery}` : randomUUID();
    try {
      this.ready ??= ensureTopicStream(this.nc, subjects);
      await this.ready;
      await publishTopicMessage(this.js, subjects, { topic, data: body, headers, messageId });
    } catch (err) {
      this.ready = undefined;
      this.logger.warn(`webhook for ${topic} not stored: ${(err as Error).message}`);
      return this.fail(reply, 503, `topic stream unavailable, the webhook was not stored: ${(err as Error).message}`, 'unavailable');
    }
    this.requests.inc({ outcome: 'published' });
    void reply.code(202).send({ topic, messageId });
  }

  /** Errors raised before the handler (body over the limit, unreadable body). */
  onError(error: Error & { code?: string; statusCode?: number }, _request: FastifyRequest, reply: FastifyReply): void {
    if (reply.sent) return;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return this.fail(reply, 413, `webhook body larger than ${this.env.SKIFF_WEBHOOK_MAX_BODY_BYTES} bytes`, 'too_large');
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    this.fail(reply, status, error.message, 'invalid');
  }

  /** The topic's secret (file `webhook-<topic>`, read per request so a new or rotated secret counts at once). */
  private async secret(topic: string): Promise<Buffer | undefined> {
    try {
      const value = await readFile(join(this.env.SKIFF_WEBHOOK_SECRETS_DIR, `webhook-${topic}`));
      return value.length ? value : undefined;
    } catch {
      return undefined;
    }
  }

  private fail(reply: FastifyReply, status: number, message: string, outcome: string): void {
    this.requests.inc({ outcome });
    void reply.code(status).type(TEXT).send(message);
  }
}

function canonical(key: string): string {
  return key.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}
