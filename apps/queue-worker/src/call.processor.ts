import { Inject, Injectable, Logger } from '@nestjs/common';
import { JetStreamClient, JsMsg, NatsConnection } from 'nats';
import { Counter, Histogram, Registry } from 'prom-client';
import {
  AsyncCallbackFailure,
  AsyncCallResult,
  chunkBytes,
  ERROR_CODES,
  FunctionRecord,
  functionTimeoutMs,
  OPENFAAS_INTERNAL_HEADER,
  SkiffError,
  subjects,
} from '@skiff/contracts';
import { FunctionRegistryCache, NATS_CONNECTION } from '@skiff/nats';
import {
  AsyncBodyStore,
  AsyncQueue,
  AsyncResultStore,
  DeadLetters,
  encodeCallbackMessage,
  readAsyncCall,
  StoredAsyncResult,
} from '@skiff/async';
import { decodeInvokeRequest, InvokeClient, InvokeResponse } from '@skiff/invoke';
import { METRICS_REGISTRY } from '@skiff/observability';
import { QUEUE_WORKER_CONFIG, QueueWorkerConfig } from './config/queue-worker.config';
import { ASYNC_QUEUE, FUNCTION_REGISTRY, INVOKE_CLIENT } from './queue-worker.tokens';
import { AttemptOutcome, backoffMs, isRetryable, retryPolicyFor } from './retry.policy';
import { resultBody } from './result-body';
import { callbackHeaders, CallbackSender } from './callback.sender';
import { CALLBACK_METRIC } from './queue-worker.tokens';
import { TopicReplyPublisher } from './topics/topic-reply.publisher';
import { ReplicaExits } from './replica-exits';

const EMPTY = new Uint8Array(0);

/** One attempt's result. */
interface Attempt extends AttemptOutcome {
  /** The function's answer (absent when the call never reached it). */
  response?: InvokeResponse;
  /** Why the attempt failed at the platform level. */
  error?: string;
  /** Seconds the attempt took. */
  durationSeconds: number;
}

/**
 * Runs one async call delivered by a function's consumer: invokes it (renewing the lease meanwhile),
 * then acks (done), naks with a back-off (retry) or moves it to the dead letters (out of attempts),
 * queueing the callback and recording the result before the ack.
 */
@Injectable()
export class CallProcessor {
  private readonly logger = new Logger(CallProcessor.name);
  private readonly js: JetStreamClient;
  private readonly outcomes: Counter;
  private readonly durations: Histogram;
  private readonly results: AsyncResultStore;
  private readonly bodies: AsyncBodyStore;
  private readonly deadLetters: DeadLetters;
  private inflight = 0;
  /** Stream sequences being handled in this process. */
  private readonly handling = new Set<number>();
  /** Attempts waiting for a reply; told when the NATS connection drops (their request or reply may be lost). */
  private readonly waiting = new Set<(reason: string) => void>();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(QUEUE_WORKER_CONFIG) private readonly config: QueueWorkerConfig,
    @Inject(FUNCTION_REGISTRY) private readonly registry: FunctionRegistryCache,
    @Inject(ASYNC_QUEUE) queue: AsyncQueue,
    @Inject(INVOKE_CLIENT) private readonly invoker: InvokeClient,
    private readonly sender: CallbackSender,
    @Inject(CALLBACK_METRIC) private readonly callbacks: Counter,
    @Inject(METRICS_REGISTRY) metrics: Registry,
    private readonly replies: TopicReplyPublisher,
    private readonly exits: ReplicaExits,
  ) {
    this.js = nc.jetstream();
    this.results = queue.results;
    this.bodies = queue.bodies;
    this.deadLetters = queue.deadLetters;
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'disconnect')
          for (const lost of [...this.waiting]) lost(`the NATS connection dropped during the call (${String(status.data)})`);
      }
    })().catch(() => undefined);
    this.outcomes = new Counter({
      name: 'skiff_async_attempts_total',
      help: 'Async call attempts by outcome (succeeded, failed, retried, dead-lettered, cancelled)',
      labelNames: ['function_name', 'outcome'],
      registers: [metrics],
    });
    this.durations = new Histogram({
      name: 'skiff_async_attempt_duration_seconds',
      help: 'Duration of async call attempts',
      labelNames: ['function_name'],
      registers: [metrics],
    });
  }

  /** Calls running in this process now. */
  get running(): number {
    return this.inflight;
  }

  /** Handles one message; never throws (a failure here naks the message so another attempt happens). */
  async process(msg: JsMsg): Promise<void> {
    // A redelivery of a message this process is still handling (its lease lapsed while the event loop
    // was busy): the running handler settles it; running it twice here would be a needless duplicate.
    if (this.handling.has(msg.seq)) return;
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
    const { callId, hasRequest } = readAsyncCall(msg.headers);
    const delivery = msg.info.redeliveryCount;
    if (!fn || !callId || !hasRequest) {
      await this.deadLetter(
        msg,
        callId || `seq-${msg.seq}`,
        fn,
        { status: 0, platform: true, durationSeconds: 0, error: 'unreadable message: it lacks the call id, method or function' },
        delivery,
      );
      return;
    }
    const record = this.registry.get(fn.namespace, fn.name);
    const policy = retryPolicyFor(record, this.config.retry);
    if (!record && (await this.registry.lookup(fn.namespace, fn.name))) {
      // The cache is behind (its watch is being restarted): the function exists, so wait instead of dead-lettering.
      this.registry.resync(`${fn.name}.${fn.namespace} is in the bucket, not in the cache`);
      msg.nak(this.config.retry.minWaitMs);
      return;
    }
    if (!record) {
      const error = `function ${fn.name}.${fn.namespace} was deleted while the call was queued`;
      await this.finish(msg, callId, fn, { status: 404, platform: true, durationSeconds: 0, error }, delivery, policy.attempts, true);
      return;
    }

    const claimed = await this.claim(msg, callId, fn, delivery, policy.attempts);
    if (!claimed) return;
    const { base } = claimed;
    const attempt = base.attempts;
    if (attempt > policy.attempts) {
      const error = `delivered ${delivery} times without an outcome: its queue-worker died (or lost the lease) during each attempt`;
      await this.finish(
        msg,
        callId,
        fn,
        { status: 0, platform: true, durationSeconds: 0, error },
        policy.attempts,
        policy.attempts,
        true,
        base,
      );
      return;
    }

    const body = await this.body(msg);
    if (!body) {
      const error = `the call's body (${readAsyncCall(msg.headers).bodyRef}) is no longer stored: it outlived the body store's retention`;
      await this.finish(msg, callId, fn, { status: 0, platform: true, durationSeconds: 0, error }, attempt, policy.attempts, true, base);
      return;
    }
    const outcome = await this.attempt(msg, body, fn, record);
    const label = `${fn.name}.${fn.namespace}`;
    this.durations.observe({ function_name: label }, outcome.durationSeconds);
    if (isRetryable(outcome, policy) && attempt < policy.attempts) {
      const delay = backoffMs(attempt, policy, outcome);
      await this.results.put({
        ...base,
        state: 'queued',
        statusCode: outcome.status,
        error: outcome.error ?? `attempt ${attempt} answered ${outcome.status}`,
        durationSeconds: outcome.durationSeconds,
      });
      this.outcomes.inc({ function_name: label, outcome: 'retried' });
      msg.nak(delay);
      return;
    }
    await this.finish(msg, callId, fn, outcome, attempt, policy.attempts, isRetryable(outcome, policy), base);
  }

  /**
   * Marks the call `running` for this delivery and returns its state, or settles the message and
   * returns undefined when it must not run (over, cancelled, or changed meanwhile). On a first
   * delivery whose message carries the revision of its `queued` state, a compare-and-set against
   * that revision is all it takes (no read); otherwise the state is read to tell which attempt this is.
   */
  private async claim(
    msg: JsMsg,
    callId: string,
    fn: { namespace: string; name: string },
    delivery: number,
    maxAttempts: number,
  ): Promise<{ base: AsyncCallResult } | undefined> {
    const meta = readAsyncCall(msg.headers);
    const fresh = (attempts: number): AsyncCallResult => ({
      callId,
      name: fn.name,
      namespace: fn.namespace,
      queuedAt: meta.queuedAt,
      state: 'running',
      attempts,
      maxAttempts,
      startedAt: Date.now(),
      requestDigest: meta.requestDigest,
    });
    const revision = delivery === 1 ? (meta.stateRevision ?? 0) : 0;
    if (revision > 0) {
      const first = fresh(1);
      if (await this.results.replace(first, revision)) return { base: first };
      // Changed since it was queued (cancelled, or a worker already ran it): read it below.
    }
    const stored = await this.results.get({ callId, ...fn });
    if (stored && stored.value.state !== 'queued' && stored.value.state !== 'running') {
      // Cancelled, or finished by a worker that crashed before its ack: do not run it again.
      this.outcomes.inc({
        function_name: `${fn.name}.${fn.namespace}`,
        outcome: stored.value.state === 'cancelled' ? 'cancelled' : 'already-done',
      });
      msg.ack();
      if (stored.value.state !== 'dead-lettered') this.dropBody(msg);
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
      return { base };
    }
    if (!(await this.results.replace(base, stored.revision))) {
      // The state changed between read and write: a cancel, or another worker took this delivery.
      // Look again after an ack wait; if the other worker finishes first, its ack removes the message.
      msg.nak(this.config.ackWaitMs);
      return undefined;
    }
    return { base };
  }

  /** The call's body: the message's data, or the out-of-line body it refers to (undefined when that is gone). */
  private async body(msg: JsMsg): Promise<Uint8Array | undefined> {
    const ref = readAsyncCall(msg.headers).bodyRef;
    return ref ? this.bodies.get(ref) : msg.data;
  }

  /** Removes the out-of-line body of a call that is over (after its final ack; a redelivery then finds the call finished). */
  private dropBody(msg: JsMsg): void {
    const ref = readAsyncCall(msg.headers).bodyRef;
    if (!ref) return;
    this.bodies
      .remove(ref)
      .catch((e: Error) =>
        this.logger.warn(`could not remove the body ${ref} of a finished call: ${e.message} (its TTL removes it later)`),
      );
  }

  /** One invocation (the caller keeps the lease alive). */
  private async attempt(msg: JsMsg, body: Uint8Array, fn: { namespace: string; name: string }, record: FunctionRecord): Promise<Attempt> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const req = { ...decodeInvokeRequest(msg), body };
      let lost!: (reason: string) => void;
      const dropped = new Promise<never>((_, reject) => (lost = (reason) => reject(new SkiffError(ERROR_CODES.unavailable, reason))));
      this.waiting.add(lost);
      // The replica that takes the call claims it: if its process ends, the attempt fails now (retried), not at the timeout.
      const watch = this.exits.watch(fn, lost);
      // A request or reply in flight when the server went away may never arrive: retry instead of waiting out the timeout.
      const response = await Promise.race([
        this.invoker.invoke(fn, req, { timeoutMs: functionTimeoutMs(record.spec, this.config.invokeTimeoutMs), claim: watch.claim }),
        dropped,
      ]).finally(() => {
        this.waiting.delete(lost);
        watch.done();
      });
      const platform = Boolean(response.internal) || hasHeader(response.headers, OPENFAAS_INTERNAL_HEADER);
      return { status: response.status, platform, headers: response.headers, response, durationSeconds: seconds() };
    } catch (err) {
      const status = err instanceof SkiffError ? err.status : 503;
      return { status, platform: true, error: (err as Error).message, durationSeconds: seconds() };
    }
  }

  /**
   * Final outcome: dead letter written when given up, reply published (com.skiff.topic.reply),
   * callback delivered (or queued for retries), result recorded, then ack. The callback comes before the result: a crash in between re-runs the
   * call (same call id) rather than losing the callback.
   */
  private async finish(
    msg: JsMsg,
    callId: string,
    fn: { namespace: string; name: string },
    outcome: Attempt,
    attempt: number,
    maxAttempts: number,
    givenUp: boolean,
    base?: AsyncCallResult,
  ): Promise<void> {
    let deadLetterId: number | undefined;
    if (givenUp) deadLetterId = await this.publishDeadLetter(msg, callId, fn, outcome, attempt);
    const state = givenUp ? 'dead-lettered' : outcome.status < 400 ? 'succeeded' : 'failed';
    const body = outcome.response ? resultBody(outcome.response.body, this.config.resultBodyMax) : {};
    // com.skiff.topic.reply: stored before the result, so a failed publish retries the call instead of losing the reply.
    await this.replies.publish(msg, callId, fn, state, outcome.response);
    const callback = await this.callback(msg, callId, fn, outcome, attempt, maxAttempts);
    await this.results.put({
      ...(base ?? {
        callId,
        name: fn.name,
        namespace: fn.namespace,
        queuedAt: readAsyncCall(msg.headers).queuedAt,
        requestDigest: readAsyncCall(msg.headers).requestDigest,
      }),
      state,
      attempts: attempt,
      maxAttempts,
      finishedAt: Date.now(),
      statusCode: outcome.status,
      durationSeconds: outcome.durationSeconds,
      error: outcome.error,
      headers: outcome.response?.headers,
      ...body,
      deadLetterId,
      ...(callback ? { callback } : {}),
    });
    this.outcomes.inc({ function_name: `${fn.name}.${fn.namespace}`, outcome: state });
    msg.ack();
    // A dead letter keeps its body: a replay needs it (dropping the dead letter removes it).
    if (!givenUp) this.dropBody(msg);
  }

  /** Dead-letters a message that cannot be run at all (no function in its subject, no call id). */
  private async deadLetter(
    msg: JsMsg,
    callId: string,
    fn: { namespace: string; name: string } | undefined,
    outcome: Attempt,
    attempt: number,
  ): Promise<void> {
    const target = fn ?? { namespace: '_', name: '_' };
    this.logger.warn(`dead-lettering message ${msg.seq} on ${msg.subject}: ${outcome.error}`);
    await this.publishDeadLetter(msg, callId, target, outcome, attempt);
    msg.ack();
  }

  private async publishDeadLetter(
    msg: JsMsg,
    callId: string,
    fn: { namespace: string; name: string },
    outcome: Attempt,
    attempt: number,
  ): Promise<number> {
    return this.deadLetters.publish(msg, callId, fn, {
      status: outcome.status,
      reason: outcome.error ?? `the function answered ${outcome.status} on each of ${attempt} attempts`,
      attempts: attempt,
    });
  }

  /**
   * The call's callback, if it has one: POSTed at once (SKIFF_QUEUE_CALLBACK_INLINE_TIMEOUT_MS), and
   * when that fails with something worth retrying, stored in the callback stream, whose dispatcher
   * retries it (a callback retry never re-runs the function). Returns the failure to record with
   * the result when the receiver refused it outright (a 4xx other than 408/429).
   */
  private async callback(
    msg: JsMsg,
    callId: string,
    fn: { namespace: string; name: string },
    outcome: Attempt,
    attempt: number,
    maxAttempts: number,
  ): Promise<AsyncCallbackFailure | undefined> {
    const { callbackUrl: url, functionRef } = readAsyncCall(msg.headers);
    if (!url) return undefined;
    const functionName = functionRef || `${fn.name}.${fn.namespace}`;
    const headers = callbackHeaders({
      callId,
      status: outcome.status,
      functionName,
      durationSeconds: outcome.durationSeconds,
      attempt,
      maxAttempts,
      headers: outcome.response?.headers,
    });
    const body = outcome.response?.body ?? EMPTY;
    const label = `${fn.name}.${fn.namespace}`;
    let tries = 0;
    if (this.config.callbackInlineTimeoutMs > 0) {
      const first = await this.sender.post(url, headers, body, this.config.callbackInlineTimeoutMs);
      tries = 1;
      if (first.result === 'delivered') {
        this.callbacks.inc({ outcome: 'delivered', function_name: label });
        return undefined;
      }
      if (first.result === 'rejected') {
        this.logger.warn(`callback of call ${callId} to ${url} rejected with ${first.status}; not retried`);
        this.callbacks.inc({ outcome: 'rejected', function_name: label });
        return { outcome: 'rejected', status: first.status, attempts: 1, error: first.error ?? '', at: Date.now() };
      }
      if (this.config.callbackAttempts <= 1) {
        this.logger.error(`callback of call ${callId} to ${url} given up after 1 attempt: ${first.error}`);
        this.callbacks.inc({ outcome: 'given-up', function_name: label });
        return { outcome: 'given-up', status: first.status, attempts: 1, error: first.error ?? '', at: Date.now() };
      }
      this.callbacks.inc({ outcome: 'retried', function_name: label });
    }
    await this.queueCallback(msg, callId, fn, url, headers, body, tries);
    return undefined;
  }

  /** Stores a callback in its own stream (a body too large for one message goes to the body store). */
  private async queueCallback(
    msg: JsMsg,
    callId: string,
    fn: { namespace: string; name: string },
    url: string,
    headers: Record<string, string | string[]>,
    body: Uint8Array,
    tries: number,
  ): Promise<void> {
    let data = body;
    let bodyRef: string | undefined;
    if (body.length > chunkBytes(this.nc.info?.max_payload)) {
      bodyRef = await this.bodies.put(`cb.${callId}`, body);
      data = EMPTY;
    }
    const h = encodeCallbackMessage({ callId, url, headers, tries, bodyRef });
    await this.js.publish(subjects.asyncCallback(fn.namespace, fn.name), data, {
      headers: h,
      msgID: `cb.${callId}.${msg.seq}`,
    });
  }

  /** A bug or a JetStream failure while handling: retry with back-off, dead-letter when out of attempts. */
  private async onUnexpected(msg: JsMsg, err: Error): Promise<void> {
    const attempt = msg.info.redeliveryCount;
    const fn = subjects.asyncFunctionOf(msg.subject);
    const policy = retryPolicyFor(fn ? this.registry.get(fn.namespace, fn.name) : undefined, this.config.retry);
    this.logger.error(`processing message ${msg.seq} on ${msg.subject} failed (attempt ${attempt}): ${err.message}`);
    try {
      if (attempt >= policy.attempts) {
        const callId = readAsyncCall(msg.headers).callId || `seq-${msg.seq}`;
        await this.deadLetter(
          msg,
          callId,
          fn,
          { status: 0, platform: true, durationSeconds: 0, error: `processing failed: ${err.message}` },
          attempt,
        );
      } else {
        msg.nak(backoffMs(attempt, policy));
      }
    } catch (again) {
      // JetStream is unreachable: leave the message unacked; it comes back after the ack wait.
      this.logger.error(`could not settle message ${msg.seq}: ${(again as Error).message}`);
    }
  }
}

/**
 * Which attempt a delivery is, from the call's recorded state (not from JetStream's delivery count,
 * which also counts deliveries lost with a crashed queue-worker or to a pull request of a dead one):
 * after a recorded outcome (`queued` for a retry) it is the next attempt; when the state is still
 * `running`, the previous delivery died before recording an outcome (worker killed, lease lapsed),
 * so this one re-runs the same attempt and counts a crash instead. Crashes are forgiven up to
 * `allowance` per call; after that they consume attempts, so a call that kills its worker each
 * time still ends in the dead letters. Without a recorded state the delivery count is used.
 */
export function attemptOf(
  stored: StoredAsyncResult | undefined,
  delivery: number,
  allowance: number,
): { attempt: number; crashes: number } {
  if (!stored) return { attempt: delivery, crashes: 0 };
  const { state, attempts } = stored.value;
  const crashes = stored.value.crashes ?? 0;
  if (state !== 'running') return { attempt: attempts + 1, crashes };
  if (crashes < allowance) return { attempt: Math.max(1, attempts), crashes: crashes + 1 };
  return { attempt: attempts + 1, crashes };
}

function hasHeader(headers: Record<string, unknown>, name: string): boolean {
  const lower = name.toLowerCase();
  return Object.keys(headers).some((k) => k.toLowerCase() === lower);
}
