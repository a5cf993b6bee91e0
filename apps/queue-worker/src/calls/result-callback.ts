import { Inject, Injectable, Logger } from '@nestjs/common';
import { JetStreamClient, NatsConnection } from 'nats';
import { Counter } from 'prom-client';
import { AsyncBodyStore, AsyncQueue, encodeCallbackMessage } from '@skiff/async';
import { AsyncCallbackFailure, chunkBytes, subjects } from '@skiff/contracts';
import { NATS_CONNECTION } from '@skiff/nats';
import { QUEUE_WORKER_CONFIG, QueueWorkerConfig } from '../config/queue-worker.config';
import { ASYNC_QUEUE, CALLBACK_METRIC } from '../queue-worker.tokens';
import { callbackHeaders, CallbackSender } from '../callback.sender';
import { Attempt, CallContext } from './call-context';

const EMPTY = new Uint8Array(0);

/**
 * The finished call's callback, if it has one: POSTed at once (SKIFF_QUEUE_CALLBACK_INLINE_TIMEOUT_MS),
 * and when that fails with something worth retrying, stored in the callback stream, whose dispatcher
 * retries it (a callback retry never re-runs the function).
 */
@Injectable()
export class ResultCallback {
  private readonly logger = new Logger(ResultCallback.name);
  private readonly js: JetStreamClient;
  private readonly bodies: AsyncBodyStore;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(QUEUE_WORKER_CONFIG) private readonly config: QueueWorkerConfig,
    @Inject(ASYNC_QUEUE) queue: AsyncQueue,
    @Inject(CALLBACK_METRIC) private readonly callbacks: Counter,
    private readonly sender: CallbackSender,
  ) {
    this.js = nc.jetstream();
    this.bodies = queue.bodies;
  }

  /**
   * Delivers or queues the callback of a call finished at `attempt`. Returns the failure to record
   * with the result when the receiver refused it outright (a 4xx other than 408/429) or the first
   * POST was the only one allowed.
   */
  async deliver(ctx: CallContext, outcome: Attempt, attempt: number): Promise<AsyncCallbackFailure | undefined> {
    const url = ctx.meta.callbackUrl;
    if (!url) return undefined;
    const { callId, label } = ctx;
    const headers = callbackHeaders({
      callId,
      status: outcome.status,
      functionName: ctx.meta.functionRef || label,
      durationSeconds: outcome.durationSeconds,
      attempt,
      maxAttempts: ctx.maxAttempts,
      headers: outcome.response?.headers,
    });
    const body = outcome.response?.body ?? EMPTY;
    let tries = 0;
    if (this.config.callbackInlineTimeoutMs > 0) {
      const first = await this.sender.post(url, headers, body, this.config.callbackInlineTimeoutMs);
      tries = 1;
      if (first.result === 'delivered') {
        this.logger.debug({ msg: 'callback delivered', callId, seq: ctx.msg.seq, attempt });
        this.callbacks.inc({ outcome: 'delivered', function_name: label });
        return undefined;
      }
      if (first.result === 'rejected') {
        this.logger.warn({ msg: 'callback rejected, not retried', function: label, callId, url, status: first.status });
        this.callbacks.inc({ outcome: 'rejected', function_name: label });
        return { outcome: 'rejected', status: first.status, attempts: 1, error: first.error ?? '', at: Date.now() };
      }
      if (this.config.callbackAttempts <= 1) {
        this.logger.error({ msg: 'callback given up', function: label, callId, url, attempts: 1, error: first.error });
        this.callbacks.inc({ outcome: 'given-up', function_name: label });
        return { outcome: 'given-up', status: first.status, attempts: 1, error: first.error ?? '', at: Date.now() };
      }
      this.callbacks.inc({ outcome: 'retried', function_name: label });
    }
    await this.queue(ctx, url, headers, body, tries);
    return undefined;
  }

  /** Stores a callback in its own stream (a body too large for one message goes to the body store). */
  private async queue(
    ctx: CallContext,
    url: string,
    headers: Record<string, string | string[]>,
    body: Uint8Array,
    tries: number,
  ): Promise<void> {
    const { callId, fn } = ctx;
    let data = body;
    let bodyRef: string | undefined;
    if (body.length > chunkBytes(this.nc.info?.max_payload)) {
      bodyRef = await this.bodies.put(`cb.${callId}`, body);
      data = EMPTY;
    }
    const ack = await this.js.publish(subjects.asyncCallback(fn.namespace, fn.name), data, {
      headers: encodeCallbackMessage({ callId, url, headers, tries, bodyRef }),
      msgID: `cb.${callId}.${ctx.msg.seq}`,
    });
    this.logger.debug({ msg: 'callback queued', callId, seq: ctx.msg.seq, callbackSeq: ack.seq, duplicate: ack.duplicate, tries });
  }
}
