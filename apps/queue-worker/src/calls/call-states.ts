import { Inject, Injectable, Logger } from '@nestjs/common';
import { AsyncQueue, AsyncResultStore } from '@skiff/async';
import { AsyncCallResult } from '@skiff/contracts';
import { QUEUE_WORKER_CONFIG, QueueWorkerConfig } from '../config/queue-worker.config';
import { ASYNC_QUEUE } from '../queue-worker.tokens';
import { Attempt, CallContext } from './call-context';
import { CallBodies } from './call-bodies';
import { CallMetrics } from './call.metrics';
import { alreadySettled, attemptOf, keepsBody } from './call.policy';

/** The call's recorded state while it runs: claimed for a delivery, queued again for a retry. */
@Injectable()
export class CallStates {
  private readonly logger = new Logger(CallStates.name);
  private readonly results: AsyncResultStore;

  constructor(
    @Inject(QUEUE_WORKER_CONFIG) private readonly config: QueueWorkerConfig,
    @Inject(ASYNC_QUEUE) queue: AsyncQueue,
    private readonly bodies: CallBodies,
    private readonly metrics: CallMetrics,
  ) {
    this.results = queue.results;
  }

  /**
   * Marks the call `running` for this delivery and returns its state, or settles the message and
   * returns undefined when it must not run (over, cancelled, or changed meanwhile). On a first
   * delivery whose message carries the revision of its `queued` state, a compare-and-set against
   * that revision is all it takes (no read); otherwise the state is read to tell which attempt this is.
   */
  async claim(ctx: CallContext, delivery: number): Promise<AsyncCallResult | undefined> {
    const { msg, callId, fn, maxAttempts } = ctx;
    const fresh = (attempts: number): AsyncCallResult => ({
      callId,
      name: fn.name,
      namespace: fn.namespace,
      queuedAt: ctx.meta.queuedAt,
      state: 'running',
      attempts,
      maxAttempts,
      startedAt: Date.now(),
      requestDigest: ctx.meta.requestDigest,
    });
    const revision = delivery === 1 ? (ctx.meta.stateRevision ?? 0) : 0;
    if (revision > 0) {
      const first = fresh(1);
      if (await this.results.replace(first, revision)) return first;
      // Changed since it was queued (cancelled, or a worker already ran it): read it below.
    }
    const stored = await this.results.get({ callId, ...fn });
    const settled = alreadySettled(stored);
    if (settled) {
      // Cancelled, or finished by a worker that crashed before its ack: do not run it again.
      this.metrics.outcome(ctx.label, settled);
      this.logger.debug({ msg: 'call already settled, acked', callId, seq: msg.seq, delivery, state: stored!.value.state });
      msg.ack();
      if (!keepsBody(stored!.value.state)) this.bodies.drop(ctx);
      return undefined;
    }
    const { attempt, crashes } = attemptOf(stored, delivery, maxAttempts);
    const base: AsyncCallResult = {
      ...(stored?.value ?? fresh(attempt)),
      state: 'running',
      attempts: attempt,
      maxAttempts,
      startedAt: Date.now(),
      ...(crashes ? { crashes } : {}),
    };
    if (!stored) {
      await this.results.put(base);
      return base;
    }
    if (!(await this.results.replace(base, stored.revision))) {
      // The state changed between read and write: a cancel, or another worker took this delivery.
      // Look again after an ack wait; if the other worker finishes first, its ack removes the message.
      this.logger.debug({ msg: 'call state changed while claimed, nak', callId, seq: msg.seq, delivery, state: stored.value.state });
      msg.nak(this.config.ackWaitMs);
      return undefined;
    }
    return base;
  }

  /** Records the call as queued again after a failed attempt (the retry's delivery claims it back). */
  async requeue(base: AsyncCallResult, outcome: Attempt, attempt: number): Promise<void> {
    await this.results.put({
      ...base,
      state: 'queued',
      statusCode: outcome.status,
      error: outcome.error ?? `attempt ${attempt} answered ${outcome.status}`,
      durationSeconds: outcome.durationSeconds,
    });
  }
}
