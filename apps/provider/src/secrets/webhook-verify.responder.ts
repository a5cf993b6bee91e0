import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { JSONCodec, Msg, NatsConnection, Subscription } from 'nats';
import {
  DEFAULT_NAMESPACE,
  ERROR_CODES,
  isSecretName,
  parsePayload,
  SkiffError,
  subjects,
  WEBHOOK_VERIFY_HEADERS,
  webhookSecretName,
  WebhookVerifyRequest,
  WebhookVerifyResult,
} from '@skiff/contracts';
import { NATS_CONNECTION } from '@skiff/nats';
import { SecretStore } from './secret.store';
import { signatureProblem } from './webhook-signature';

const codec = JSONCodec<WebhookVerifyResult>();

/**
 * Answers "verify webhook signature" (`subjects.webhookVerify`) for connector-webhook: opens the
 * secret `webhook-<topic>` and checks the body's HMAC here, so the secret never leaves the provider.
 * A raw NATS subscription rather than a `@MessagePattern`: the body travels as the message data, not
 * base64 inside JSON, so every body the topic stream can hold fits one request.
 */
@Injectable()
export class WebhookVerifyResponder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookVerifyResponder.name);
  private sub?: Subscription;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly store: SecretStore,
  ) {}

  onApplicationBootstrap(): void {
    this.sub = this.nc.subscribe(subjects.webhookVerify, {
      queue: subjects.queues.provider,
      callback: (err, msg) => {
        if (err) return this.logger.warn({ msg: 'webhook verify subscription failed', error: err.message });
        void this.answer(msg);
      },
    });
  }

  onApplicationShutdown(): void {
    this.sub?.unsubscribe();
  }

  private async answer(msg: Msg): Promise<void> {
    let result: WebhookVerifyResult;
    try {
      result = await this.verify(msg);
    } catch (err) {
      const e = err instanceof SkiffError ? err : new SkiffError(ERROR_CODES.internal, (err as Error).message);
      if (e.status >= 500) this.logger.error({ msg: 'webhook signature not checked', error: e.message });
      result = { error: e.toWire() };
    }
    msg.respond(codec.encode(result));
  }

  /** The verdict for one request; throws when the request is invalid or the secret cannot be opened. */
  async verify(msg: Msg): Promise<WebhookVerifyResult> {
    const h = msg.headers;
    const req = parsePayload(WebhookVerifyRequest, {
      topic: h?.get(WEBHOOK_VERIFY_HEADERS.topic) ?? '',
      namespace: h?.get(WEBHOOK_VERIFY_HEADERS.namespace) || undefined,
      githubSignature: h?.has(WEBHOOK_VERIFY_HEADERS.githubSignature) ? h.get(WEBHOOK_VERIFY_HEADERS.githubSignature) : undefined,
      genericSignature: h?.has(WEBHOOK_VERIFY_HEADERS.genericSignature) ? h.get(WEBHOOK_VERIFY_HEADERS.genericSignature) : undefined,
      timestampedSignature: h?.has(WEBHOOK_VERIFY_HEADERS.timestampedSignature)
        ? h.get(WEBHOOK_VERIFY_HEADERS.timestampedSignature)
        : undefined,
    });
    const name = webhookSecretName(req.topic);
    // Secret names are lower-case DNS-like; a topic outside that alphabet can have no secret.
    if (!isSecretName(name)) return { result: 'no-secret' };
    let secret: Buffer;
    try {
      [{ value: secret }] = await this.store.read(req.namespace || DEFAULT_NAMESPACE, [name]);
    } catch (err) {
      if (err instanceof SkiffError && err.code === ERROR_CODES.secretNotFound.code) return { result: 'no-secret' };
      throw err;
    }
    const problem = signatureProblem(secret, msg.data, {
      github: req.githubSignature,
      generic: req.genericSignature,
      timestamped: req.timestampedSignature,
    });
    return problem ? { result: 'invalid', reason: problem } : { result: 'valid' };
  }
}
