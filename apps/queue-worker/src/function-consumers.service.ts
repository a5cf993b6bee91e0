import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AckPolicy, ConsumerConfig, ConsumerMessages, DeliverPolicy, JetStreamManager, NatsConnection, nanos } from 'nats';
import { ASYNC_ANNOTATIONS, FunctionRecord, subjects } from '@skiff/contracts';
import { FunctionRegistryCache, NATS_CONNECTION, RegistryChange } from '@skiff/nats';
import { AsyncQueue } from '@skiff/async';
import { HealthService } from '@skiff/observability';
import { QUEUE_WORKER_CONFIG, QueueWorkerConfig } from './config/queue-worker.config';
import { ASYNC_QUEUE, FUNCTION_REGISTRY } from './queue-worker.tokens';
import { CallProcessor } from './calls/call.processor';

/** A consumer this process pulls from. */
interface Active {
  /** Function namespace. */
  namespace: string;
  /** Function name. */
  name: string;
  /** Max ack pending it was started with. */
  maxInflight: number;
  /** The pull subscription. */
  messages?: ConsumerMessages;
  /** True once the function is gone: drain what is left to the dead letters, then delete the consumer. */
  retiring: boolean;
}

const RETIRE_POLL_MS = 500;

/**
 * One durable pull consumer per function on the async stream (filter = the function's subject,
 * max ack pending = its concurrency), created when the function appears in the registry and, once
 * it is deleted, drained into the dead letters and removed. Every replica pulls from the same
 * consumers, so the concurrency limit holds across replicas.
 */
@Injectable()
export class FunctionConsumers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FunctionConsumers.name);
  private readonly active = new Map<string, Active>();
  private jsm!: JetStreamManager;
  private sweeper?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(QUEUE_WORKER_CONFIG) private readonly config: QueueWorkerConfig,
    @Inject(FUNCTION_REGISTRY) private readonly registry: FunctionRegistryCache,
    @Inject(ASYNC_QUEUE) private readonly queue: AsyncQueue,
    private readonly processor: CallProcessor,
    private readonly health: HealthService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.jsm = await this.nc.jetstreamManager();
    this.health.register('registry', () => (this.registry.watching ? undefined : 'function registry watch is not running'));
    this.registry.onChange(
      (change) =>
        void this.onChange(change).catch((e: Error) =>
          this.logger.error({ msg: 'consumer update failed', function: change.key, error: e.message }),
        ),
    );
    for (const record of this.registry.list()) await this.ensure(record);
    await this.sweep();
    this.sweeper = setInterval(
      () => void this.sweep().catch((e: Error) => this.logger.warn({ msg: 'sweep failed', error: e.message })),
      this.config.sweepIntervalMs,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweeper);
    for (const a of this.active.values()) await a.messages?.close().catch(() => undefined);
    // Let calls already running finish (their messages are acked); anything else returns after the ack wait.
    const deadline = Date.now() + this.config.gracePeriodMs;
    while (this.processor.running > 0 && Date.now() < deadline) await sleep(100);
  }

  /** Concurrency of a function: its `com.openfaas.queue.max_inflight` annotation, else the default. */
  maxInflightOf(record: FunctionRecord | undefined): number {
    const raw = Number(record?.spec.annotations?.[ASYNC_ANNOTATIONS.maxInflight]);
    return Number.isInteger(raw) && raw >= 1 && raw <= 10_000 ? raw : this.config.maxInflight;
  }

  private async onChange(change: RegistryChange): Promise<void> {
    if (this.stopped) return;
    if (change.op === 'put') await this.ensure(change.record);
    else {
      const fn = parseKey(change.key);
      if (fn) await this.retire(fn.namespace, fn.name);
    }
  }

  /** Creates or updates the function's consumer and pulls from it. */
  private async ensure(record: FunctionRecord): Promise<void> {
    const { namespace, service: name } = record.spec;
    const maxInflight = this.maxInflightOf(record);
    await this.upsertConsumer(namespace, name, maxInflight);
    const durable = subjects.asyncConsumer(namespace, name);
    const current = this.active.get(durable);
    if (current && current.maxInflight === maxInflight) {
      current.retiring = false;
      return;
    }
    await current?.messages?.close().catch(() => undefined);
    const entry: Active = { namespace, name, maxInflight, retiring: false };
    this.active.set(durable, entry);
    await this.pull(durable, entry);
  }

  private async upsertConsumer(namespace: string, name: string, maxInflight: number): Promise<void> {
    const durable = subjects.asyncConsumer(namespace, name);
    const wanted: Partial<ConsumerConfig> = {
      durable_name: durable,
      filter_subject: subjects.asyncCall(namespace, name),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(this.config.ackWaitMs),
      max_ack_pending: maxInflight,
      max_deliver: -1,
    };
    const info = await this.jsm.consumers.info(subjects.asyncStream, durable).catch(() => undefined);
    if (!info) {
      try {
        await this.jsm.consumers.add(subjects.asyncStream, wanted);
        return;
      } catch (err) {
        // Another replica created it first; fall through to the update check.
        if (!(await this.jsm.consumers.info(subjects.asyncStream, durable).catch(() => undefined))) throw err;
      }
    }
    const now = info ?? (await this.jsm.consumers.info(subjects.asyncStream, durable));
    if (now.config.max_ack_pending !== maxInflight || now.config.ack_wait !== wanted.ack_wait) {
      await this.jsm.consumers.update(subjects.asyncStream, durable, { ack_wait: wanted.ack_wait, max_ack_pending: maxInflight });
    }
  }

  private async pull(durable: string, entry: Active): Promise<void> {
    const consumer = await this.nc.jetstream().consumers.get(subjects.asyncStream, durable);
    const messages = await consumer.consume({ max_messages: Math.min(entry.maxInflight, 256) });
    entry.messages = messages;
    void (async () => {
      for await (const status of await messages.status()) {
        if ((status.type === 'consumer_deleted' || status.type === 'consumer_not_found') && this.active.get(durable) === entry) {
          const record = this.registry.get(entry.namespace, entry.name);
          if (record && !entry.retiring) await this.upsertConsumer(entry.namespace, entry.name, entry.maxInflight).catch(() => undefined);
          else {
            this.active.delete(durable);
            await messages.close().catch(() => undefined);
          }
        }
      }
    })().catch(() => undefined);
    void (async () => {
      for await (const msg of messages) void this.processor.process(msg);
    })().catch((e: Error) => this.logger.error({ msg: 'pulling stopped', consumer: durable, error: e.message }));
  }

  /** The function is gone: let its consumer dead-letter what is left, then delete it. */
  private async retire(namespace: string, name: string): Promise<void> {
    const durable = subjects.asyncConsumer(namespace, name);
    let entry = this.active.get(durable);
    if (!entry) {
      entry = { namespace, name, maxInflight: this.config.maxInflight, retiring: true };
      this.active.set(durable, entry);
      await this.upsertConsumer(namespace, name, entry.maxInflight);
      await this.pull(durable, entry);
    }
    entry.retiring = true;
    while (!this.stopped && entry.retiring && this.active.get(durable) === entry) {
      const info = await this.jsm.consumers.info(subjects.asyncStream, durable).catch(() => undefined);
      if (!info || (info.num_pending === 0 && info.num_ack_pending === 0)) {
        if (this.registry.get(namespace, name)) return; // re-deployed meanwhile
        await this.jsm.consumers.delete(subjects.asyncStream, durable).catch(() => undefined);
        this.active.delete(durable);
        await entry.messages?.close().catch(() => undefined);
        this.logger.log({ msg: 'removed the async consumer of a deleted function', function: `${name}.${namespace}`, consumer: durable });
        return;
      }
      await sleep(RETIRE_POLL_MS);
    }
  }

  /** Finds calls of functions that no longer exist (deleted while this worker was down) and consumers left behind. */
  private async sweep(): Promise<void> {
    // Self-healing: streams removed by hand come back, and so do the consumers of deployed functions.
    await this.queue.ensureStores();
    for (const record of this.registry.list()) {
      const durable = subjects.asyncConsumer(record.spec.namespace, record.spec.service);
      if (await this.jsm.consumers.info(subjects.asyncStream, durable).catch(() => undefined)) continue;
      // Start a fresh pull too: the old one backs off for a long while once its consumer vanished.
      await this.active
        .get(durable)
        ?.messages?.close()
        .catch(() => undefined);
      this.active.delete(durable);
      await this.ensure(record);
    }
    const orphans = new Map<string, { namespace: string; name: string }>();
    const info = await this.jsm.streams.info(subjects.asyncStream, { subjects_filter: subjects.asyncCallAll });
    for (const subject of Object.keys(info.state.subjects ?? {})) {
      const fn = subjects.asyncFunctionOf(subject);
      if (fn) orphans.set(subjects.asyncConsumer(fn.namespace, fn.name), fn);
    }
    for await (const c of this.jsm.consumers.list(subjects.asyncStream)) {
      const fn = c.config.filter_subject ? subjects.asyncFunctionOf(c.config.filter_subject) : undefined;
      if (fn) orphans.set(c.name, fn);
    }
    for (const [durable, fn] of orphans) {
      if (this.registry.get(fn.namespace, fn.name) || this.active.has(durable)) continue;
      // Never drain a function's calls on the word of a cache that is behind the bucket.
      if (await this.registry.lookup(fn.namespace, fn.name)) {
        this.registry.resync(`${fn.name}.${fn.namespace} is in the bucket, not in the cache`);
        continue;
      }
      void this.retire(fn.namespace, fn.name).catch((e: Error) =>
        this.logger.warn({ msg: 'retiring the consumer failed', consumer: durable, error: e.message }),
      );
    }
  }
}

function parseKey(key: string): { namespace: string; name: string } | undefined {
  const dot = key.indexOf('.');
  return dot > 0 ? { namespace: key.slice(0, dot), name: key.slice(dot + 1) } : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
