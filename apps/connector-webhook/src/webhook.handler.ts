import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { headers as natsHeaders, JetStreamClient, JSONCodec, NatsConnection } from 'nats';
import { Counter, Registry } from 'prom-client';
import {
  DEFAULT_MAX_PAYLOAD,
  DEFAULT_NAMESPACE,
  isCallId,
  parsePayload,
  SkiffError,
  subjects,
  topicProblem,
  TRIGGER_HEADERS,
  WEBHOOK_SIGNATURE_HEADERS,
  WEBHOOK_VERIFY_HEADERS,
  WebhookVerifyResult,
} from '@skiff/contracts';
import { ensureTopicStream, NATS_CONNECTION, publishTopicMessage } from '@skiff/nats';
import { METRICS_REGISTRY } from '@skiff/observability';
import { CONNECTOR_WEBHOOK_ENV, ConnectorWebhookEnv } from './config/connector-webhook.env';

const TEXT = 'text/plain; charset=utf-8';
/**
 * Room kept in a NATS message for headers: the topic message carries a subset of the request's
 * headers, which Node caps at 16 KiB; the verify request adds four short ones.
 */
const HEADER_ROOM = 32 * 1024;
const verdicts = JSONCodec<unknown>();
/** Request headers carried to the functions besides `X-*` ones. */
const KEPT = new Set(['content-type', 'user-agent']);
/** `X-*` headers not carried (proxy bookkeeping, and what the router sets itself). */
const DROPPED = new Set(['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip', 'x-topic', 'x-connector', 'x-call-id']);

/**
 * `POST /webhook/<topic>`: asks the provider to check the signature against the Skiff secret
 * `webhook-<topic>` (namespace `openfaas-fn`; no secret, no check), then publishes body, content type
 * and the `X-*` headers to `<prefix>.topic.<topic>` and answers 202 `{topic, messageId}` once
 * JetStream stored it. Provider unreachable: 503, nothing published. A GitHub redelivery
 * (`X-GitHub-Delivery`) is de-duplicated for two minutes.
 */
@Injectable()
export class WebhookHandler {
  private readonly logger = new Logger(WebhookHandler.name);
  private readonly js: JetStreamClient;
  private ready?: Promise<void>;
  private readonly requests: Counter<'outcome'>;
  /** Largest body accepted: the configured limit, lowered to what one NATS message carries. */
  readonly maxBodyBytes: number;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(CONNECTOR_WEBHOOK_ENV) private readonly env: ConnectorWebhookEnv,
    @Inject(METRICS_REGISTRY) metrics: Registry,
  ) {
    this.js = nc.jetstream({ timeout: 5_000 });
    const fits = (nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD) - HEADER_ROOM;
    this.maxBodyBytes = Math.min(env.SKIFF_WEBHOOK_MAX_BODY_BYTES, fits);
    if (this.maxBodyBytes < env.SKIFF_WEBHOOK_MAX_BODY_BYTES) {
      this.logger.warn(`SKIFF_WEBHOOK_MAX_BODY_BYTES lowered to ${this.maxBodyBytes}: the NATS server's max_payload leaves no room for larger bodies`);
    }
    this.requests = new Counter({ name: 'skiff_webhook_requests_total', help: 'Webhook requests, by outcome (published, unauthorized, invalid, too_large, unavailable)', labelNames: ['outcome'], registers: [metrics] });
  }

  async handle(request: FastifyRequest<{ Params: { topic: string } }>, reply: FastifyReply): Promise<void> {
    const topic = request.params.topic;
    const problem = topicProblem(topic);
    if (problem) return this.fail(reply, 400, problem, 'invalid');
    const body = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
    const refused = await this.checkSignature(topic, body, request.headers);
    if (refused) return this.fail(reply, refused.status, refused.message, refused.status === 401 ? 'unauthorized' : refused.status < 500 ? 'invalid' : 'unavailable');
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
      if (err instanceof SkiffError) return this.fail(reply, err.status, err.message, 'unavailable');
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
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return this.fail(reply, 413, `webhook body larger than ${this.maxBodyBytes} bytes`, 'too_large');
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    this.fail(reply, status, error.message, 'invalid');
  }

  /**
   * The provider's verdict on the signature (the secret never leaves it): undefined when the request
   * may be published (valid, or the topic has no secret), else the refusal to answer with.
   */
  private async checkSignature(topic: string, body: Buffer, headers: FastifyRequest['headers']): Promise<{ status: number; message: string } | undefined> {
    const h = natsHeaders();
    h.set(WEBHOOK_VERIFY_HEADERS.topic, topic);
    h.set(WEBHOOK_VERIFY_HEADERS.namespace, DEFAULT_NAMESPACE);
    const github = one(headers[WEBHOOK_SIGNATURE_HEADERS.github]);
    const generic = one(headers[WEBHOOK_SIGNATURE_HEADERS.generic]);
    if (github !== undefined) h.set(WEBHOOK_VERIFY_HEADERS.githubSignature, github);
    if (generic !== undefined) h.set(WEBHOOK_VERIFY_HEADERS.genericSignature, generic);
    let verdict: WebhookVerifyResult;
    try {
      const answer = await this.nc.request(subjects.webhookVerify, body, { headers: h, timeout: this.env.SKIFF_WEBHOOK_VERIFY_TIMEOUT_MS });
      verdict = parsePayload(WebhookVerifyResult, verdicts.decode(answer.data));
    } catch (err) {
      this.logger.warn(`webhook for ${topic} refused: the signature could not be checked: ${(err as Error).message}`);
      return { status: 503, message: `the signature could not be checked (is the provider running?), the webhook was not stored: ${(err as Error).message}` };
    }
    if (verdict.error) {
      const status = verdict.error.status >= 400 && verdict.error.status < 500 ? verdict.error.status : 503;
      return { status, message: `the signature could not be checked, the webhook was not stored: ${verdict.error.message}` };
    }
    if (verdict.result === 'invalid') return { status: 401, message: verdict.reason ?? 'signature does not match the body' };
    return undefined;
  }

  private fail(reply: FastifyReply, status: number, message: string, outcome: string): void {
    this.requests.inc({ outcome });
    void reply.code(status).type(TEXT).send(message);
  }
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function canonical(key: string): string {
  return key.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}
