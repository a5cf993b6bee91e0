import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, JSONCodec, NatsConnection, nanos } from 'nats';
import {
  ERROR_CODES,
  METRICS_RANGES,
  METRICS_STEPS,
  MetricsHistory,
  MetricsPoint,
  MetricsRange,
  SkiffError,
  parseMetricsPoint,
  subjects,
} from '@skiff/contracts';
import { NATS_CONNECTION, ensureMetricsStream, isJetStreamError } from '@skiff/nats';
import { historyView } from './metrics-history.view';

const json = JSONCodec();
/** A consumer left behind by a crashed gateway disappears after this long without pulls. */
const CONSUMER_INACTIVE_MS = 30_000;
const FINE = METRICS_STEPS['5s'];
/** The platform's last point older than this: no scaler writes the history (it writes one every step). */
const STALE_MS = 4 * FINE.stepMs;
/** What the answer says while no point is being written. */
export const NO_SCALER = 'no scaler is running (the scaler, a required service, writes the metrics history)';

/**
 * Reads one series of the metrics history the scaler writes: an ephemeral, ordered, in-memory
 * consumer filtered to the series' subject from one heartbeat before the range's start (an idle
 * function's steps are not stored: the view carries the last stored point over them); its pending
 * count at creation is what there is to read. Deleted when the read ends. The platform's last fine
 * point says up to when the history was written, and whether a scaler writes it now.
 */
@Injectable()
export class MetricsHistoryReader implements OnModuleInit {
  private readonly logger = new Logger('MetricsHistory');

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async onModuleInit(): Promise<void> {
    // The scaler writes it; creating it here too means the API answers (empty) before any scaler ran.
    await ensureMetricsStream(this.nc, subjects).catch((err: Error) => this.logger.warn(`metrics stream not ready yet: ${err.message}`));
  }

  /** The history of one function (or of the platform when `fn` is undefined) over `range`. */
  async read(range: MetricsRange, fn?: { namespace: string; name: string }, now = Date.now()): Promise<MetricsHistory> {
    const { rangeMs, step } = METRICS_RANGES[range];
    const { stepMs, heartbeatMs } = METRICS_STEPS[step];
    const subject = fn ? subjects.metricsFunction(step, fn.namespace, fn.name) : subjects.metricsPlatform(step);
    // A point is written when its step ends: the first one of the range was stored one step after it began.
    // A function's series from a heartbeat earlier (its last stored point before the range is carried
    // into it); the platform's is stored every step.
    const start = new Date(now - rangeMs - (fn ? heartbeatMs : 0));
    const [stored, last] = await Promise.all([this.points(subject, start), this.lastPlatformPoint()]);
    const writtenUntil = last ? last.t + last.stepMs : 0;
    const view = historyView(
      range,
      now,
      stored.filter((p) => p.stepMs === stepMs),
      writtenUntil,
      fn ? `${fn.name}.${fn.namespace}` : undefined,
    );
    return now - writtenUntil > STALE_MS ? { ...view, reason: NO_SCALER } : view;
  }

  /** The platform's latest fine point (the scaler stores one every step), if any. */
  private async lastPlatformPoint(): Promise<MetricsPoint | undefined> {
    try {
      const jsm = await this.nc.jetstreamManager();
      const msg = await jsm.streams.getMessage(subjects.metricsStream, { last_by_subj: subjects.metricsPlatform('5s') });
      return parseMetricsPoint(json.decode(msg.data));
    } catch {
      // None yet (or the stream is missing): nothing was written.
      return undefined;
    }
  }

  private async points(subject: string, start: Date): Promise<MetricsPoint[]> {
    const jsm = await this.nc.jetstreamManager();
    let info;
    try {
      info = await jsm.consumers.add(subjects.metricsStream, {
        filter_subject: subject,
        ack_policy: AckPolicy.None,
        deliver_policy: DeliverPolicy.StartTime,
        opt_start_time: start.toISOString(),
        mem_storage: true,
        num_replicas: 1,
        inactive_threshold: nanos(CONSUMER_INACTIVE_MS),
      });
    } catch (err) {
      if (isJetStreamError(err, 'streamNotFound')) return [];
      throw new SkiffError(ERROR_CODES.unavailable, `metrics history unavailable: ${(err as Error).message}`);
    }
    const out: MetricsPoint[] = [];
    try {
      const total = info.num_pending;
      if (total === 0) return out;
      const consumer = await this.nc.jetstream().consumers.get(subjects.metricsStream, info.name);
      const messages = await consumer.consume({ max_messages: 512 });
      let seen = 0;
      for await (const msg of messages) {
        seen++;
        let point: MetricsPoint | undefined;
        try {
          point = parseMetricsPoint(json.decode(msg.data));
        } catch {
          // Not JSON: skipped as a malformed point is.
        }
        if (point) out.push(point);
        if (seen >= total) break;
      }
      messages.stop();
      return out;
    } finally {
      await jsm.consumers.delete(subjects.metricsStream, info.name).catch(() => undefined);
    }
  }
}

/** `range` of a request: one of METRICS_RANGES (default 1h), else a 400 naming them. */
export function metricsRange(value: unknown): MetricsRange {
  if (value === undefined || value === '') return '1h';
  if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(METRICS_RANGES, value)) return value as MetricsRange;
  throw new SkiffError(ERROR_CODES.invalidRequest, `range: must be one of ${Object.keys(METRICS_RANGES).join(', ')}`);
}
