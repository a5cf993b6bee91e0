import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AckPolicy, ConsumerConfig, ConsumerMessages, DeliverPolicy, JsMsg, NatsConnection, nanos } from 'nats';
import { LOG_HEADERS, decodeLogBatch, subjects } from '@skiff/contracts';
import { LOG_STREAM_OPTIONS, LogStreamOptions, NATS_CONNECTION, ensureLogStream, isJetStreamError } from '@skiff/nats';
import { LogQuery } from './log-query';

/** One line of `/system/logs` output. */
export interface LogLine {
  /** Function name. */
  name: string;
  /** Namespace. */
  namespace: string;
  /** Replica id. */
  instance: string;
  /** When the replica saw the line (RFC 3339). */
  timestamp: string;
  /** The line, with its newline. */
  text: string;
}

/** History window when the request gives neither `since` nor a positive `tail` (as faas-netes and faasd). */
const DEFAULT_WINDOW_MS = 5 * 60 * 1000;
/** A consumer left behind by a crashed gateway disappears after this long without pulls. */
const CONSUMER_INACTIVE_MS = 30_000;

/**
 * Reads function output from the log stream: an ephemeral, ordered (ack-none, in-memory) consumer
 * filtered to the function's (or one replica's) subject and started at `since`. Its pending count
 * at creation is the history; `tail` keeps the last N of it; with `follow` the lines written after
 * keep coming until the caller stops. The consumer is deleted when the read ends.
 */
@Injectable()
export class LogReader implements OnModuleInit {
  private readonly logger = new Logger('Logs');

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(LOG_STREAM_OPTIONS) private readonly streamOptions: LogStreamOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    // The provider owns the stream; creating it here too means /system/logs works whichever starts first.
    await ensureLogStream(this.nc, subjects, this.streamOptions).catch((err: Error) =>
      this.logger.warn({ msg: 'log stream not ready yet', error: err.message }),
    );
  }

  /**
   * Opens a read (creates the consumer, so a failure surfaces before any answer is sent). `lines`
   * yields the matching lines in order and stops when history is done (without follow) or `signal`
   * aborts; `close()` deletes the consumer and must always be called.
   */
  async open(query: LogQuery, signal: AbortSignal): Promise<{ lines: AsyncGenerator<LogLine>; close(): Promise<void> }> {
    const jsm = await this.nc.jetstreamManager();
    const start = query.since ?? (query.tail ? undefined : new Date(Date.now() - DEFAULT_WINDOW_MS));
    // A start time after the last stored line makes some servers deliver from the first one: a
    // `since` in the future has no history, only (with follow) the lines written from then on.
    const future = start !== undefined && start.getTime() > Date.now();
    const config: Partial<ConsumerConfig> = {
      filter_subject: subjects.functionLogFilter(query.namespace, query.name, query.instance),
      ack_policy: AckPolicy.None,
      deliver_policy: future ? DeliverPolicy.New : start ? DeliverPolicy.StartTime : DeliverPolicy.All,
      mem_storage: true,
      num_replicas: 1,
      inactive_threshold: nanos(CONSUMER_INACTIVE_MS),
    };
    if (start && !future) config.opt_start_time = start.toISOString();
    let info;
    try {
      info = await jsm.consumers.add(subjects.logStream, config);
    } catch (err) {
      if (!isJetStreamError(err, 'streamNotFound')) throw err;
      await ensureLogStream(this.nc, subjects, this.streamOptions);
      info = await jsm.consumers.add(subjects.logStream, config);
    }
    const name = info.name;
    const history = info.num_pending;
    let messages: ConsumerMessages | undefined;
    const stop = () => messages?.stop();
    signal.addEventListener('abort', stop, { once: true });
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      signal.removeEventListener('abort', stop);
      messages?.stop();
      await jsm.consumers.delete(subjects.logStream, name).catch(() => undefined);
    };
    const nc = this.nc;
    async function* lines(): AsyncGenerator<LogLine> {
      if (history === 0 && !query.follow) return;
      const consumer = await nc.jetstream().consumers.get(subjects.logStream, name);
      if (signal.aborted || closed) return;
      messages = await consumer.consume({ max_messages: 256 });
      if (signal.aborted) return void messages.stop();
      // A message may hold several lines: `tail` keeps the last N lines of the history, not messages.
      const last: LogLine[] | undefined = query.tail && history > 0 ? [] : undefined;
      let seen = 0;
      for await (const msg of messages) {
        seen++;
        if (future && msg.info.timestampNanos / 1e6 < (start as Date).getTime()) continue;
        for (const line of toLines(msg)) {
          if (last && seen <= history) {
            last.push(line);
            if (last.length >= 2 * (query.tail as number)) last.splice(0, last.length - (query.tail as number));
          } else yield line;
        }
        if (last && seen === history) yield* last.splice(0).slice(-(query.tail as number));
        if (!query.follow && seen >= history) break;
      }
    }
    return { lines: lines(), close };
  }
}

/** The lines of one log stream message (one line, or a replica's batch). */
function toLines(msg: JsMsg): LogLine[] {
  const where = subjects.functionLogOf(msg.subject);
  const name = where?.name ?? '';
  const namespace = where?.namespace ?? '';
  const instance = where?.instance ?? '';
  const stored = () => new Date(Math.floor(msg.info.timestampNanos / 1e6)).toISOString();
  if (msg.headers?.get(LOG_HEADERS.batch) === '1') {
    return decodeLogBatch(msg.string(), stored()).map((l) => ({ name, namespace, instance, timestamp: l.time, text: `${l.text}\n` }));
  }
  const time = msg.headers?.get(LOG_HEADERS.time) || stored();
  return [{ name, namespace, instance, timestamp: time, text: `${msg.string()}\n` }];
}
