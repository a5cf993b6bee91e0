import { Inject, Injectable, Logger } from '@nestjs/common';
import { AsyncQueue, AsyncResultStore, DeadLetters } from '@skiff/async';
import { QUEUE_WORKER_CONFIG, QueueWorkerConfig } from '../config/queue-worker.config';
import { ASYNC_QUEUE } from '../queue-worker.tokens';
import { resultBody } from '../result-body';
import { TopicReplyPublisher } from '../topics/topic-reply.publisher';
import { Attempt, CallContext } from './call-context';
import { CallBodies } from './call-bodies';
import { CallMetrics } from './call.metrics';
import { finalState, keepsBody } from './call.policy';
import { ResultCallback } from './result-callback';

/** Settles a call that is over: its dead letter, reply, callback and result, then the ack. */
@Injectable()
export class CallFinisher {
  private readonly logger = new Logger(CallFinisher.name);
  private readonly results: AsyncResultStore;
  private readonly deadLetters: DeadLetters;

  constructor(
    @Inject(QUEUE_WORKER_CONFIG) private readonly config: QueueWorkerConfig,
    @Inject(ASYNC_QUEUE) queue: AsyncQueue,
    private readonly replies: TopicReplyPublisher,
    private readonly callback: ResultCallback,
    private readonly bodies: CallBodies,
    private readonly metrics: CallMetrics,
  ) {
    this.results = queue.results;
    this.deadLetters = queue.deadLetters;
  }

  /**
   * Final outcome of attempt `attempt`: dead letter written when given up, reply published
   * (com.skiff.topic.reply), callback delivered (or queued for retries), result recorded, then ack.
   * The callback comes before the result: a crash in between re-runs the call (same call id) rather
   * than losing the callback.
   */
  async finish(ctx: CallContext, outcome: Attempt, attempt: number, givenUp: boolean): Promise<void> {
    const { msg, callId, fn, meta } = ctx;
    const deadLetterId = givenUp ? await this.publishDeadLetter(ctx, outcome, attempt) : undefined;
    const state = finalState(outcome.status, givenUp);
    const body = outcome.response ? resultBody(outcome.response.body, this.config.resultBodyMax) : {};
    // com.skiff.topic.reply: stored before the result, so a failed publish retries the call instead of losing the reply.
    await this.replies.publish(msg, callId, fn, state, outcome.response);
    const callback = await this.callback.deliver(ctx, outcome, attempt);
    await this.results.put({
      ...(ctx.base ?? { callId, name: fn.name, namespace: fn.namespace, queuedAt: meta.queuedAt, requestDigest: meta.requestDigest }),
      state,
      attempts: attempt,
      maxAttempts: ctx.maxAttempts,
      finishedAt: Date.now(),
      statusCode: outcome.status,
      durationSeconds: outcome.durationSeconds,
      error: outcome.error,
      headers: outcome.response?.headers,
      ...body,
      deadLetterId,
      ...(callback ? { callback } : {}),
    });
    this.metrics.outcome(ctx.label, state);
    msg.ack();
    // The trail of one call through the platform (SKIFF_LOG_LEVEL=debug).
    this.logger.debug({
      msg: 'call settled, acked',
      callId,
      seq: msg.seq,
      state,
      attempt,
      callback: callback?.outcome ?? (meta.callbackUrl ? 'sent or queued' : 'none'),
    });
    if (!keepsBody(state)) this.bodies.drop(ctx);
  }

  /** Dead-letters a message that cannot be run at all (no function in its subject, no call id, or handling failed each time). */
  async deadLetter(ctx: CallContext, outcome: Attempt, attempt: number): Promise<void> {
    this.logger.warn({ msg: 'dead-lettering the call', function: ctx.label, callId: ctx.callId, seq: ctx.msg.seq, error: outcome.error });
    await this.publishDeadLetter(ctx, outcome, attempt);
    ctx.msg.ack();
  }

  private publishDeadLetter(ctx: CallContext, outcome: Attempt, attempt: number): Promise<number> {
    return this.deadLetters.publish(ctx.msg, ctx.callId, ctx.fn, {
      status: outcome.status,
      reason: outcome.error ?? `the function answered ${outcome.status} on each of ${attempt} attempts`,
      attempts: attempt,
    });
  }
}
