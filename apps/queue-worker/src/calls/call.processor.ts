import { Inject, Injectable, Logger } from '@nestjs/common';
import { JsMsg } from 'nats';
import { readAsyncCall } from '@skiff/async';
import { subjects } from '@skiff/contracts';
import { FunctionRegistryCache } from '@skiff/nats';
import { QUEUE_WORKER_CONFIG, QueueWorkerConfig } from '../config/queue-worker.config';
import { FUNCTION_REGISTRY } from '../queue-worker.tokens';
import { retryPolicyFor } from '../retry.policy';
import { AttemptRunner } from './attempt.runner';
import { CallBodies } from './call-bodies';
import { callContext, platformFailure } from './call-context';
import { CallFinisher } from './call.finisher';
import { CallMetrics } from './call.metrics';
import { afterAttempt, afterUnexpected, missingFunction, outOfAttempts } from './call.policy';
import { CallStates } from './call-states';

/**
 * Runs one async call delivered by a function's consumer: claims it, invokes it (renewing the lease
 * meanwhile), then, as CallPolicy decides, naks it with a back-off (retry) or has CallFinisher settle
 * it (done, failed, or dead-lettered when out of attempts).
 */
@Injectable()
export class CallProcessor {
  private readonly logger = new Logger(CallProcessor.name);
  private inflight = 0;
  /** Stream sequences being handled in this process. */
  private readonly handling = new Set<number>();

  constructor(
    @Inject(QUEUE_WORKER_CONFIG) private readonly config: QueueWorkerConfig,
    @Inject(FUNCTION_REGISTRY) private readonly registry: FunctionRegistryCache,
    private readonly states: CallStates,
    private readonly bodies: CallBodies,
    private readonly runner: AttemptRunner,
    private readonly finisher: CallFinisher,
    private readonly metrics: CallMetrics,
  ) {}

  /** Calls running in this process now. */
  get running(): number {
    return this.inflight;
  }

  /** Handles one message; never throws (a failure here naks the message so another attempt happens). */
  async process(msg: JsMsg): Promise<void> {
    // A redelivery of a message this process is still handling (its lease lapsed while the event loop
    // was busy): the running handler settles it; running it twice here would be a needless duplicate.
    if (this.handling.has(msg.seq)) {
      this.logger.debug({
        msg: 'redelivered while still handled here',
        subject: msg.subject,
        seq: msg.seq,
        delivery: msg.info.redeliveryCount,
      });
      return;
    }
    this.handling.add(msg.seq);
    this.inflight++;
    // The lease is renewed from the first moment, not only during the call: bookkeeping can be slow too.
    const lease = setInterval(() => msg.working(), Math.max(200, Math.floor(this.config.ackWaitMs / 3)));
    try {
      await this.handle(msg);
    } catch (err) {
      await this.onUnexpected(msg, err as Error);
    } finally {
      clearInterval(lease);
      this.handling.delete(msg.seq);
      this.inflight--;
    }
  }

  private async handle(msg: JsMsg): Promise<void> {
    const fn = subjects.asyncFunctionOf(msg.subject);
    const meta = readAsyncCall(msg.headers);
    const delivery = msg.info.redeliveryCount;
    const record = fn && this.registry.get(fn.namespace, fn.name);
    const policy = retryPolicyFor(record, this.config.retry);
    const ctx = callContext(msg, meta, fn, policy.attempts);
    if (!fn || !meta.callId || !meta.hasRequest) {
      const error = 'unreadable message: it lacks the call id, method or function';
      return this.finisher.deadLetter(ctx, platformFailure(error), delivery);
    }
    if (!record) {
      const missing = missingFunction(Boolean(await this.registry.lookup(fn.namespace, fn.name)), policy);
      if (missing.action === 'wait') {
        // The cache is behind (its watch is being restarted): the function exists, so wait instead of dead-lettering.
        this.registry.resync(`${fn.name}.${fn.namespace} is in the bucket, not in the cache`);
        return msg.nak(missing.delayMs);
      }
      const error = `function ${fn.name}.${fn.namespace} was deleted while the call was queued`;
      return this.finisher.finish(ctx, platformFailure(error, 404), delivery, true);
    }

    ctx.base = await this.states.claim(ctx, delivery);
    if (!ctx.base) return;
    const attempt = ctx.base.attempts;
    // The trail of one call through the platform (SKIFF_LOG_LEVEL=debug).
    this.logger.debug({ msg: 'call claimed', callId: ctx.callId, seq: msg.seq, delivery, attempt, crashes: ctx.base.crashes });
    if (outOfAttempts(attempt, policy)) {
      const error = `delivered ${delivery} times without an outcome: its queue-worker died (or lost the lease) during each attempt`;
      return this.finisher.finish(ctx, platformFailure(error), policy.attempts, true);
    }
    const body = await this.bodies.read(ctx);
    if (!body) {
      const error = `the call's body (${meta.bodyRef}) is no longer stored: it outlived the body store's retention`;
      return this.finisher.finish(ctx, platformFailure(error), attempt, true);
    }
    const outcome = await this.runner.run(ctx, body, record);
    this.metrics.duration(ctx.label, outcome.durationSeconds);
    const verdict = afterAttempt(outcome, attempt, policy);
    if (verdict.action === 'retry') {
      this.logger.debug({
        msg: 'call retried',
        callId: ctx.callId,
        seq: msg.seq,
        attempt,
        status: outcome.status,
        error: outcome.error,
        delayMs: verdict.delayMs,
      });
      await this.states.requeue(ctx.base, outcome, attempt);
      this.metrics.outcome(ctx.label, 'retried');
      return msg.nak(verdict.delayMs);
    }
    await this.finisher.finish(ctx, outcome, attempt, verdict.givenUp);
  }

  /** A bug or a JetStream failure while handling: retry with back-off, dead-letter when out of attempts. */
  private async onUnexpected(msg: JsMsg, err: Error): Promise<void> {
    const delivery = msg.info.redeliveryCount;
    const fn = subjects.asyncFunctionOf(msg.subject);
    const policy = retryPolicyFor(fn ? this.registry.get(fn.namespace, fn.name) : undefined, this.config.retry);
    const callId = readAsyncCall(msg.headers).callId;
    this.logger.error({
      msg: 'processing the call failed',
      subject: msg.subject,
      callId,
      seq: msg.seq,
      attempt: delivery,
      error: err.message,
    });
    try {
      const verdict = afterUnexpected(delivery, policy);
      if (verdict.action === 'retry') return msg.nak(verdict.delayMs);
      const ctx = callContext(msg, readAsyncCall(msg.headers), fn, policy.attempts);
      await this.finisher.deadLetter(ctx, platformFailure(`processing failed: ${err.message}`), delivery);
    } catch (again) {
      // JetStream is unreachable: leave the message unacked; it comes back after the ack wait.
      this.logger.error({
        msg: 'could not settle the message',
        subject: msg.subject,
        callId,
        seq: msg.seq,
        error: (again as Error).message,
      });
    }
  }
}
