import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { headers as natsHeaders, JetStreamClient, JSONCodec, NatsConnection } from 'nats';
import { Counter, Registry } from 'prom-client';
import {
  DEFAULT_MAX_PAYLOAD,
  DEFAULT_NAMESPACE,
  isCallId,
  isPlatformHeader,
  isReservedTopic,
  parsePayload,
  parseTimestampedSignature,
  splitTopics,
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
import { ReplayCache } from './replay-cache';

const TEXT = 'text/plain; charset=utf-8';
/**
 * Room kept in a NATS message for headers: the topic message carries a subset of the request's
 * headers, which Node caps at 16 KiB; the verify request adds four short ones.
 */
const HEADER_ROOM = 32 * 1024;
const verdicts = JSONCodec<unknown>();
/** Request headers carried to the functions besides `X-*` ones. */
const KEPT = new Set(['content-type', 'user-agent']);
/** `X-*` proxy bookkeeping not carried (what the platform itself sets is dropped too: isPlatformHeader). */
const DROPPED = new Set(['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip']);

/** A request the connector refuses: status, reason, metric outcome. */
interface Refusal {
  status: number;
  message: string;
  outcome: string;
}

/** What the signature check found: the request may be published, signed (replay-checked) or not. */
type Verdict = { signed: boolean } | Refusal;

/**
 * `POST /webhook/<topic>`, failing closed (audit #10): reserved topics (`cron-function`, `skiff.*`) are
 * 403; the provider checks the signature against the Skiff secret `webhook-<topic>` (namespace
 * `openfaas-fn`); a topic without one is 403 unless SKIFF_WEBHOOK_UNSIGNED_TOPICS opens it. A signed
 * request is published once: an `X-Skiff-Signature` timestamp must be within SKIFF_WEBHOOK_TOLERANCE_S,
 * and the same signed request again within that window is 409 (this connector remembers it; across
 * connector replicas, JetStream's 2-minute de-duplication by message id). Then body, content type and
 * the `X-*` headers, minus the ones only the platform sets, go to `<prefix>.topic.<topic>`: 202
 * `{topic, messageId}` once JetStream stored it. Provider unreachable: 503, nothing published.
 */
@Injectable()
export class WebhookHandler {
  private readonly logger = new Logger(WebhookHandler.name);
  private readonly js: JetStreamClient;
  private ready?: Promise<void>;
  private readonly requests: Counter<'outcome'>;
  /** Largest body accepted: the configured limit, lowered to what one NATS message carries. */
  readonly maxBodyBytes: number;
  private readonly unsigned: ReadonlySet<string>;
  private readonly toleranceMs: number;
  private readonly replays = new ReplayCache();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(CONNECTOR_WEBHOOK_ENV) private readonly env: ConnectorWebhookEnv,
    @Inject(METRICS_REGISTRY) metrics: Registry,
  ) {
    this.js = nc.jetstream({ timeout: 5_000 });
    const fits = (nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD) - HEADER_ROOM;
    this.maxBodyBytes = Math.min(env.SKIFF_WEBHOOK_MAX_BODY_BYTES, fits);
    if (this.maxBodyBytes < env.SKIFF_WEBHOOK_MAX_BODY_BYTES) {
      this.logger.warn(
        `SKIFF_WEBHOOK_MAX_BODY_BYTES lowered to ${this.maxBodyBytes}: the NATS server's max_payload leaves no room for larger bodies`,
      );
    }
    this.requests = new Counter({
      name: 'skiff_webhook_requests_total',
      help: 'Webhook requests, by outcome (published, unauthorized, forbidden, replayed, invalid, too_large, unavailable)',
      labelNames: ['outcome'],
      registers: [metrics],
    });
    this.unsigned = new Set(splitTopics(env.SKIFF_WEBHOOK_UNSIGNED_TOPICS));
    this.toleranceMs = env.SKIFF_WEBHOOK_TOLERANCE_S * 1000;
  }

  async handle(request: FastifyRequest<{ Params: { topic: string } }>, reply: FastifyReply): Promise<void> {
    const topic = request.params.topic;
    const problem = topicProblem(topic);
    if (problem) return this.fail(reply, 400, problem, 'invalid');
    if (isReservedTopic(topic))
      return this.fail(
        reply,
        403,
        `topic "${topic}" is reserved for the platform (cron-function, skiff.*): webhooks cannot post to it`,
        'forbidden',
      );
    const body = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
    const verdict = await this.checkSignature(topic, body, request.headers);
    if ('status' in verdict) return this.fail(reply, verdict.status, verdict.message, verdict.outcome);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.headers)) {
      if (value === undefined || !(KEPT.has(key) || (key.startsWith('x-') && !DROPPED.has(key) && !isPlatformHeader(key)))) continue;
      headers[canonical(key)] = Array.isArray(value) ? value.join(', ') : value;
    }
    headers[TRIGGER_HEADERS.connector] = 'webhook';
    const replay = verdict.signed ? this.replayKey(topic, body, request.headers) : undefined;
    if (replay && !this.replays.claim(replay.key, replay.expiresAt)) return this.replayed(reply, topic);
    const delivery = request.headers['x-github-delivery'];
    const messageId =
      typeof delivery === 'string' && isCallId(delivery) ? `github-${delivery}` : replay ? `sig-${replay.key.slice(0, 40)}` : randomUUID();
    let duplicate = false;
    try {
      this.ready ??= ensureTopicStream(this.nc, subjects);
      await this.ready;
      duplicate = (await publishTopicMessage(this.js, subjects, { topic, data: body, headers, messageId })).duplicate;
    } catch (err) {
      if (replay) this.replays.release(replay.key);
      if (err instanceof SkiffError) return this.fail(reply, err.status, err.message, 'unavailable');
      this.ready = undefined;
      this.logger.warn({ msg: 'webhook not stored', topic, error: (err as Error).message });
      return this.fail(reply, 503, `topic stream unavailable, the webhook was not stored: ${(err as Error).message}`, 'unavailable');
    }
    // Another connector replica stored the same signed request within JetStream's de-duplication window.
    if (duplicate && replay) return this.replayed(reply, topic);
    this.requests.inc({ outcome: 'published' });
    void reply.code(202).send({ topic, messageId });
  }

  private replayed(reply: FastifyReply, topic: string): void {
    this.fail(reply, 409, `this signed webhook for ${topic} was already accepted (a replay): nothing was published`, 'replayed');
  }

  /**
   * What makes a signed request the same request: the topic, the signed timestamp (X-Skiff-Signature)
   * and the body. Un-timestamped signatures (GitHub, X-Signature) cover the body alone, so the same
   * body is the same request while the window lasts.
   */
  private replayKey(topic: string, body: Buffer, headers: FastifyRequest['headers']): { key: string; expiresAt: number } {
    const stamped = one(headers[WEBHOOK_SIGNATURE_HEADERS.timestamped]);
    const parsed = stamped === undefined ? undefined : parseTimestampedSignature(stamped);
    const t = parsed && typeof parsed !== 'string' ? parsed.t : undefined;
    const key = createHash('sha256')
      .update(`${topic}\n${t ?? 'body'}\n`)
      .update(body)
      .digest('hex');
    return { key, expiresAt: t !== undefined ? t * 1000 + this.toleranceMs : Date.now() + this.toleranceMs };
  }

  /** Errors raised before the handler (body over the limit, unreadable body). */
  onError(error: Error & { code?: string; statusCode?: number }, _request: FastifyRequest, reply: FastifyReply): void {
    if (reply.sent) return;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return this.fail(reply, 413, `webhook body larger than ${this.maxBodyBytes} bytes`, 'too_large');
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    this.fail(reply, status, error.message, 'invalid');
  }

  /**
   * The verdict on the signature: the provider checks it (the secret never leaves it); the timestamp
   * window is checked here first. `{signed}` when the request may be published (valid, or no secret
   * and the topic opened for unsigned posts), else the refusal to answer with.
   */
  private async checkSignature(topic: string, body: Buffer, headers: FastifyRequest['headers']): Promise<Verdict> {
    const h = natsHeaders();
    h.set(WEBHOOK_VERIFY_HEADERS.topic, topic);
    h.set(WEBHOOK_VERIFY_HEADERS.namespace, DEFAULT_NAMESPACE);
    const github = one(headers[WEBHOOK_SIGNATURE_HEADERS.github]);
    const generic = one(headers[WEBHOOK_SIGNATURE_HEADERS.generic]);
    const stamped = one(headers[WEBHOOK_SIGNATURE_HEADERS.timestamped]);
    if (stamped !== undefined) {
      const parsed = parseTimestampedSignature(stamped);
      if (typeof parsed === 'string') return { status: 401, message: parsed, outcome: 'unauthorized' };
      const skew = Math.abs(Date.now() - parsed.t * 1000);
      if (skew > this.toleranceMs) {
        return {
          status: 401,
          message: `X-Skiff-Signature timestamp ${parsed.t} is ${Math.round(skew / 1000)} s from now, outside the tolerance of ${this.toleranceMs / 1000} s (a replay, or a clock that is off)`,
          outcome: 'unauthorized',
        };
      }
      h.set(WEBHOOK_VERIFY_HEADERS.timestampedSignature, stamped);
    }
    if (github !== undefined) h.set(WEBHOOK_VERIFY_HEADERS.githubSignature, github);
    if (generic !== undefined) h.set(WEBHOOK_VERIFY_HEADERS.genericSignature, generic);
    let verdict: WebhookVerifyResult;
    try {
      const answer = await this.nc.request(subjects.webhookVerify, body, { headers: h, timeout: this.env.SKIFF_WEBHOOK_VERIFY_TIMEOUT_MS });
      verdict = parsePayload(WebhookVerifyResult, verdicts.decode(answer.data));
    } catch (err) {
      this.logger.warn({ msg: 'webhook refused: the signature could not be checked', topic, error: (err as Error).message });
      return {
        status: 503,
        message: `the signature could not be checked (is the provider running?), the webhook was not stored: ${(err as Error).message}`,
        outcome: 'unavailable',
      };
    }
    if (verdict.error) {
      const status = verdict.error.status >= 400 && verdict.error.status < 500 ? verdict.error.status : 503;
      return {
        status,
        message: `the signature could not be checked, the webhook was not stored: ${verdict.error.message}`,
        outcome: status < 500 ? 'invalid' : 'unavailable',
      };
    }
    if (verdict.result === 'invalid')
      return { status: 401, message: verdict.reason ?? 'signature does not match the body', outcome: 'unauthorized' };
    if (verdict.result === 'valid') return { signed: true };
    if (this.unsigned.has(topic)) return { signed: false };
    return {
      status: 403,
      message: `topic "${topic}" takes only signed webhooks: create the secret webhook-${topic} (namespace ${DEFAULT_NAMESPACE}) and sign with it, or list the topic in SKIFF_WEBHOOK_UNSIGNED_TOPICS to accept unsigned posts`,
      outcome: 'forbidden',
    };
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
