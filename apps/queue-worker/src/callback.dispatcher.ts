import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AckPolicy, ConsumerMessages, DeliverPolicy, JsMsg, NatsConnection, nanos } from 'nats';
import { Agent, request } from 'undici';
import { Counter, Registry } from 'prom-client';
import { ASYNC_HEADERS, AsyncCallbackFailure, INTERNAL_HEADER_PREFIX, subjects } from '@skiff/contracts';
import { AsyncResultStore, NATS_CONNECTION } from '@skiff/nats';
import { METRICS_REGISTRY } from '@skiff/observability';
import { QUEUE_WORKER_CONFIG, QueueWorkerConfig } from './config/queue-worker.config';
import { backoffMs } from './retry.policy';
import { RESULT_STORE } from './queue-worker.tokens';

const USER_AGENT = 'skiff-queue-worker/0.1.0';
const CALLBACK_CONCURRENCY = 256;
const FINAL_STATES = new Set(['succeeded', 'failed', 'dead-lettered']);
/** How long a failed callback's record waits for the call's final state (written alongside the callback). */
const RECORD_WAIT_MS = 5000;

/**
 * Delivers callbacks from their own stream: POSTs the function's body and headers to the callback
 * URL, retrying with back-off on transport errors, 408, 429 and 5xx, and gives up after the
 * configured attempts (a callback retry never re-runs the function). A callback given up or
 * rejected is recorded in the call's result (`callback`) and counted in `skiff_async_callbacks_total`.
 */
@Injectable()
export class CallbackDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CallbackDispatcher.name);
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  private readonly delivered: Counter;
  private messages?: ConsumerMessages;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(QUEUE_WORKER_CONFIG) private readonly config: QueueWorkerConfig,
    @Inject(RESULT_STORE) private readonly results: AsyncResultStore,
    @Inject(METRICS_REGISTRY) metrics: Registry,
  ) {
    this.delivered = new Counter({
      name: 'skiff_async_callbacks_total',
      help: 'Callback deliveries by outcome (delivered, retried, rejected, given-up)',
      labelNames: ['outcome', 'function_name'],
      registers: [metrics],
    });
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
    })().catch((e: Error) => this.logger.error(`callback consumer stopped: ${e.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.messages?.close().catch(() => undefined);
    await this.agent.close().catch(() => undefined);
  }

  private async deliver(msg: JsMsg): Promise<void> {
    const url = msg.headers?.get(ASYNC_HEADERS.callbackUrl);
    const callId = msg.headers?.get(ASYNC_HEADERS.callId);
    const attempt = msg.info.redeliveryCount;
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
    headers['user-agent'] = USER_AGENT;
    let problem: string;
    let status = 0;
    try {
      const res = await request(url, {
        method: 'POST',
        headers,
        body: Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.length),
        dispatcher: this.agent,
        headersTimeout: this.config.callbackTimeoutMs,
        bodyTimeout: this.config.callbackTimeoutMs,
      });
      await res.body.dump();
      status = res.statusCode;
      if (res.statusCode < 400) {
        this.delivered.inc({ outcome: 'delivered', function_name });
        msg.ack();
        return;
      }
      if (res.statusCode !== 408 && res.statusCode !== 429 && res.statusCode < 500) {
        this.logger.warn(`callback of call ${callId} to ${url} rejected with ${res.statusCode}; not retried`);
        this.delivered.inc({ outcome: 'rejected', function_name });
        await this.record(msg, callId, { outcome: 'rejected', status, attempts: attempt, error: `the receiver answered ${status}`, at: Date.now() });
        return;
      }
      problem = `answered ${res.statusCode}`;
    } catch (err) {
      problem = (err as Error).message;
    }
    if (attempt >= this.config.callbackAttempts) {
      this.logger.error(`callback of call ${callId} to ${url} given up after ${attempt} attempts: ${problem}`);
      this.delivered.inc({ outcome: 'given-up', function_name });
      await this.record(msg, callId, { outcome: 'given-up', status, attempts: attempt, error: problem, at: Date.now() });
      return;
    }
    this.delivered.inc({ outcome: 'retried', function_name });
    msg.nak(backoffMs(attempt, this.config.retry));
  }

  /**
   * Writes an undeliverable callback into the call's result (waiting briefly for the call's final
   * state, stored alongside the callback), then drops the message. When the result cannot be
   * written now (JetStream unavailable) the message comes back later: one more delivery, then the record.
   */
  private async record(msg: JsMsg, callId: string | undefined, failure: AsyncCallbackFailure): Promise<void> {
    const deadline = Date.now() + RECORD_WAIT_MS;
    try {
      while (callId) {
        const stored = await this.results.get(callId);
        if (!stored) break; // expired or never recorded: nothing to annotate
        if (!FINAL_STATES.has(stored.value.state) && Date.now() < deadline) {
          await sleep(100);
          continue;
        }
        if (await this.results.replace({ ...stored.value, callback: failure }, stored.revision)) break;
      }
    } catch (err) {
      this.logger.warn(`could not record the failed callback of call ${callId}: ${(err as Error).message}`);
      msg.nak(this.config.retry.minWaitMs);
      return;
    }
    msg.term();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
