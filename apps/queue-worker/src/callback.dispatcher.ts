import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AckPolicy, ConsumerMessages, DeliverPolicy, JsMsg, NatsConnection, nanos } from 'nats';
import { Counter, Registry } from 'prom-client';
import { AsyncCallbackFailure, INTERNAL_HEADER_PREFIX, subjects } from '@skiff/contracts';
import { NATS_CONNECTION } from '@skiff/nats';
import { AsyncBodyStore, AsyncQueue, AsyncResultStore, readAsyncCall } from '@skiff/async';
import { QUEUE_WORKER_CONFIG, QueueWorkerConfig } from './config/queue-worker.config';
import { backoffMs } from './retry.policy';
import { ASYNC_QUEUE, CALLBACK_METRIC } from './queue-worker.tokens';
import { CallbackSender } from './callback.sender';

const CALLBACK_CONCURRENCY = 256;
const FINAL_STATES = new Set(['succeeded', 'failed', 'dead-lettered']);
/** How long a failed callback's record waits for the call's final state (written after the callback is queued). */
const RECORD_WAIT_MS = 5000;

/** The `skiff_async_callbacks_total` counter (callback deliveries by outcome and function). */
export function callbackCounter(metrics: Registry): Counter {
  return new Counter({
    name: 'skiff_async_callbacks_total',
    help: 'Callback deliveries by outcome (delivered, retried, rejected, given-up)',
    labelNames: ['outcome', 'function_name'],
    registers: [metrics],
  });
}

/**
 * Delivers the callbacks the worker that ran the call could not deliver at once, from their own
 * stream: POSTs the function's body and headers to the callback URL, retrying with back-off on
 * transport errors, 408, 429 and 5xx, and gives up after the configured attempts (counting the
 * worker's own first POST; a callback retry never re-runs the function). A callback given up or
 * rejected is recorded in the call's result (`callback`) and counted in `skiff_async_callbacks_total`.
 */
@Injectable()
export class CallbackDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CallbackDispatcher.name);
  private messages?: ConsumerMessages;
  private readonly results: AsyncResultStore;
  private readonly bodies: AsyncBodyStore;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(QUEUE_WORKER_CONFIG) private readonly config: QueueWorkerConfig,
    @Inject(ASYNC_QUEUE) queue: AsyncQueue,
    @Inject(CALLBACK_METRIC) private readonly delivered: Counter,
    private readonly sender: CallbackSender,
  ) {
    this.results = queue.results;
    this.bodies = queue.bodies;
  }

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    const durable = subjects.asyncCallbackConsumer;
    const ackWait = nanos(this.config.callbackTimeoutMs + 10_000);
    const info = await jsm.consumers.info(subjects.asyncCallbackStream, durable).catch(() => undefined);
    if (!info) {
      await jsm.consumers
        .add(subjects.asyncCallbackStream, {
          durable_name: durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ack_wait: ackWait,
          max_ack_pending: CALLBACK_CONCURRENCY * 4,
          max_deliver: -1,
        })
        .catch(async (err) => {
          if (!(await jsm.consumers.info(subjects.asyncCallbackStream, durable).catch(() => undefined))) throw err;
        });
    }
    const consumer = await this.nc.jetstream().consumers.get(subjects.asyncCallbackStream, durable);
    this.messages = await consumer.consume({ max_messages: CALLBACK_CONCURRENCY });
    const messages = this.messages;
    void (async () => {
      for await (const msg of messages) void this.deliver(msg);
    })().catch((e: Error) => this.logger.error({ msg: 'callback consumer stopped', error: e.message }));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.messages?.close().catch(() => undefined);
  }

  private async deliver(msg: JsMsg): Promise<void> {
    const { callbackUrl: url, callId, bodyRef, callbackTries } = readAsyncCall(msg.headers);
    const attempt = msg.info.redeliveryCount + callbackTries;
    const fn = subjects.asyncFunctionOf(msg.subject);
    const function_name = fn ? `${fn.name}.${fn.namespace}` : '';
    if (!url) {
      msg.term();
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const name of msg.headers!.keys()) {
      if (name.toLowerCase().startsWith(INTERNAL_HEADER_PREFIX) || name.toLowerCase() === 'nats-msg-id') continue;
      const values = msg.headers!.values(name);
      headers[name] = values.length === 1 ? values[0] : values;
    }
    const body = bodyRef ? await this.bodies.get(bodyRef).catch(() => undefined) : msg.data;
    const done = () => (bodyRef ? this.bodies.remove(bodyRef).catch(() => undefined) : undefined);
    const sent = body
      ? await this.sender.post(url, headers, body, this.config.callbackTimeoutMs)
      : { result: 'rejected' as const, status: 0, error: `the callback's body (${bodyRef}) is no longer stored` };
    if (sent.result === 'delivered') {
      this.logger.debug({ msg: 'queued callback delivered', callId, callbackSeq: msg.seq, attempt });
      this.delivered.inc({ outcome: 'delivered', function_name });
      msg.ack();
      await done();
      return;
    }
    const givenUp = sent.result !== 'rejected' && attempt >= this.config.callbackAttempts;
    if (sent.result === 'rejected' || givenUp) {
      const outcome = givenUp ? 'given-up' : 'rejected';
      if (givenUp)
        this.logger.error({ msg: 'callback given up', function: function_name, callId, url, attempts: attempt, error: sent.error });
      else this.logger.warn({ msg: 'callback rejected, not retried', function: function_name, callId, url, error: sent.error });
      this.delivered.inc({ outcome, function_name });
      const failure: AsyncCallbackFailure = { outcome, status: sent.status, attempts: attempt, error: sent.error ?? '', at: Date.now() };
      if (await this.record(msg, callId, failure)) await done();
      return;
    }
    this.delivered.inc({ outcome: 'retried', function_name });
    this.logger.debug({ msg: 'queued callback failed, retried', callId, callbackSeq: msg.seq, attempt, error: sent.error });
    msg.nak(backoffMs(attempt, this.config.retry));
  }

  /**
   * Writes an undeliverable callback into the call's result (waiting briefly for the call's final
   * state, stored alongside the callback), then drops the message. When the result cannot be
   * written now (JetStream unavailable) the message comes back later: one more delivery, then the record.
   */
  private async record(msg: JsMsg, callId: string | undefined, failure: AsyncCallbackFailure): Promise<boolean> {
    const deadline = Date.now() + RECORD_WAIT_MS;
    const fn = subjects.asyncFunctionOf(msg.subject);
    try {
      while (callId && fn) {
        const stored = await this.results.get({ callId, ...fn });
        if (!stored) break; // expired or never recorded: nothing to annotate
        if (!FINAL_STATES.has(stored.value.state) && Date.now() < deadline) {
          await sleep(100);
          continue;
        }
        if (await this.results.replace({ ...stored.value, callback: failure }, stored.revision)) break;
      }
    } catch (err) {
      this.logger.warn({ msg: 'could not record the failed callback', callId, error: (err as Error).message });
      msg.nak(this.config.retry.minWaitMs);
      return false;
    }
    msg.term();
    return true;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
