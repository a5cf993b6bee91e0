import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Queue, Worker } from 'bullmq';
import { Counter, Registry } from 'prom-client';
import { CRON_TOPIC, cronScheduleOf, parseTriggerAnnotations, subjects, TRIGGER_HEADERS } from '@skiff/contracts';
import { FunctionRegistryCache } from '@skiff/nats';
import { AsyncQueue, triggerSubmission } from '@skiff/async';
import { HealthService, METRICS_REGISTRY } from '@skiff/observability';
import { CONNECTOR_CRON_ENV, ConnectorCronEnv } from './config/connector-cron.env';
import { redisConnection } from './redis-connection';
import { CRON_ASYNC_QUEUE } from './cron.tokens';

/** Data of one tick job: the function to call. */
interface TickData {
  /** Namespace. */
  namespace: string;
  /** Name. */
  name: string;
}

/** A schedule as BullMQ stores it. */
interface Desired {
  /** Cron pattern. */
  pattern: string;
  /** Time zone. */
  tz?: string;
}

/**
 * One BullMQ job scheduler per scheduled function (`topic: cron-function` + `schedule`), kept equal to
 * the registry: on every registry change and every SKIFF_CRON_RESYNC_MS (which also re-creates them
 * after Redis was flushed or restarted). BullMQ gives each tick's job to one worker across every
 * replica; the job becomes an async call whose id is derived from the function and the tick, so a
 * tick re-created after a flush or re-run after a stall never queues a second call.
 */
@Injectable()
export class CronScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CronScheduler.name);
  private readonly queue: Queue<TickData>;
  private worker?: Worker<TickData>;
  private timer?: NodeJS.Timeout;
  private syncing?: Promise<void>;
  private again = false;
  private redisUp = false;
  private readonly fired: Counter<'outcome'>;
  /** Unusable schedules already reported (function and annotation value), so each is logged once. */
  private readonly reported = new Set<string>();

  constructor(
    @Inject(CONNECTOR_CRON_ENV) private readonly env: ConnectorCronEnv,
    private readonly registry: FunctionRegistryCache,
    @Inject(CRON_ASYNC_QUEUE) private readonly calls: AsyncQueue,
    @Inject(METRICS_REGISTRY) metrics: Registry,
    health: HealthService,
  ) {
    this.queue = new Queue<TickData>(this.queueName, {
      connection: redisConnection(env.SKIFF_REDIS_URL, env.SKIFF_REDIS_PASSWORD_FILE),
      prefix: env.SKIFF_CRON_REDIS_PREFIX,
    });
    this.queue.on('error', (err) => this.redisDown(err));
    this.fired = new Counter({
      name: 'skiff_cron_ticks_total',
      help: 'Cron ticks handled, by outcome (queued, duplicate, skipped, failed)',
      labelNames: ['outcome'],
      registers: [metrics],
    });
    health.register('redis', () => (this.redisUp ? undefined : 'redis unreachable or schedules not synced yet'));
    health.register('registry', () => (registry.watching ? undefined : 'function registry watch is not running (being restarted)'));
  }

  /** BullMQ queue of this platform (the subject prefix keeps platforms sharing a Redis apart). */
  get queueName(): string {
    return `${subjects.prefix}-cron`;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.worker = new Worker<TickData>(this.queueName, (job) => this.tick(job), {
      connection: redisConnection(this.env.SKIFF_REDIS_URL, this.env.SKIFF_REDIS_PASSWORD_FILE),
      prefix: this.env.SKIFF_CRON_REDIS_PREFIX,
      concurrency: 8,
    });
    this.worker.on('error', (err) => this.redisDown(err));
    this.registry.onChange(() => this.resync());
    this.timer = setInterval(() => this.resync(), this.env.SKIFF_CRON_RESYNC_MS);
    this.resync();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.syncing?.catch(() => undefined);
    await this.worker?.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
  }

  /** Runs one reconciliation, or queues one more when one is running. */
  private resync(): void {
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = this.reconcile()
      .then(() => {
        this.redisUp = true;
      })
      .catch((err: Error) => this.redisDown(err))
      .finally(() => {
        this.syncing = undefined;
        if (this.again) {
          this.again = false;
          this.resync();
        }
      });
  }

  private redisDown(err: Error): void {
    if (this.redisUp) this.logger.warn({ msg: 'redis error', error: err.message });
    this.redisUp = false;
  }

  /** Makes the job schedulers in Redis equal to the scheduled functions of the registry. */
  private async reconcile(): Promise<void> {
    const desired = new Map<string, Desired & TickData>();
    for (const record of this.registry.list()) {
      const schedule = cronScheduleOf(record.spec.annotations);
      const namespace = record.spec.namespace ?? '';
      if (!schedule) {
        this.reportUnusable(record.spec.annotations, `${record.spec.service}.${namespace}`);
        continue;
      }
      desired.set(`${namespace}.${record.spec.service}`, {
        pattern: schedule.pattern,
        tz: schedule.timezone,
        namespace,
        name: record.spec.service,
      });
    }
    const existing = new Map<string, Desired>();
    for (const s of await this.queue.getJobSchedulers(0, -1)) existing.set(s.key, { pattern: s.pattern ?? '', tz: s.tz ?? undefined });
    for (const [id, want] of desired) {
      const have = existing.get(id);
      if (have && have.pattern === want.pattern && (have.tz ?? undefined) === want.tz) continue;
      await this.queue.upsertJobScheduler(
        id,
        { pattern: want.pattern, tz: want.tz },
        { name: 'tick', data: { namespace: want.namespace, name: want.name }, opts: { removeOnComplete: 100, removeOnFail: 100 } },
      );
      this.logger.log(
        `${have ? 'rescheduled' : 'scheduled'} ${want.name}.${want.namespace}: "${want.pattern}"${want.tz ? ` (${want.tz})` : ''}`,
      );
    }
    for (const id of existing.keys()) {
      if (desired.has(id)) continue;
      await this.queue.removeJobScheduler(id);
      this.logger.log({ msg: 'unscheduled', scheduler: id });
    }
  }

  /**
   * A function registered before a validation rule existed (a minute step of 61, say) is not scheduled: say so
   * once instead of dropping it silently.
   */
  private reportUnusable(annotations: Record<string, string> | null | undefined, ref: string): void {
    try {
      parseTriggerAnnotations(annotations);
    } catch (err) {
      const key = `${ref} ${JSON.stringify(annotations)}`;
      if (this.reported.has(key)) return;
      this.reported.add(key);
      this.logger.warn({ msg: 'not scheduled: redeploy it with a valid schedule', function: ref, error: (err as Error).message });
    }
  }

  /** One tick of one function: queue its async call. */
  private async tick(job: Job<TickData>): Promise<void> {
    const { namespace, name } = job.data;
    const record = this.registry.get(namespace, name);
    if (!record || !cronScheduleOf(record.spec.annotations)) {
      this.fired.inc({ outcome: 'skipped' });
      return;
    }
    // A scheduler's job id ends with the tick's time in ms (`repeat:<scheduler>:<millis>`).
    const millis = Number(String(job.id).split(':').pop()) || job.timestamp;
    const scheduled = new Date(millis).toISOString();
    const fn = `${name}.${namespace}`;
    let callId: string | undefined;
    try {
      const submission = triggerSubmission({
        namespace,
        name,
        kind: 'cron',
        eventKey: `${millis}`,
        headers: {
          [TRIGGER_HEADERS.topic.toLowerCase()]: CRON_TOPIC,
          [TRIGGER_HEADERS.connector.toLowerCase()]: 'cron',
          [TRIGGER_HEADERS.scheduledTime.toLowerCase()]: scheduled,
          'content-type': 'text/plain',
        },
        body: new Uint8Array(0),
      });
      callId = submission.callId;
      const outcome = await this.calls.submit(submission);
      this.fired.inc({ outcome: outcome === 'duplicate' ? 'duplicate' : 'queued' });
    } catch (err) {
      this.fired.inc({ outcome: 'failed' });
      this.logger.warn({ msg: 'cron tick not queued', function: fn, callId, scheduled, error: (err as Error).message });
      throw err;
    }
  }
}
