import { JetStreamClient, NatsConnection, headers as natsHeaders } from 'nats';
import { LOG_HEADERS, encodeLogBatch } from '@skiff/contracts/log-lines';
import { FunctionLogSink, FunctionStream } from './function-log.sink';

/** One line waiting to be shipped. */
interface PendingLine {
  stream: FunctionStream;
  text: string;
  time: string;
}

/** Most JetStream publishes awaiting their ack at once; beyond it lines wait in the buffer. */
const MAX_UNACKED = 256;
/** Most lines in one message. */
const BATCH_LINES = 256;
/** A message is closed once its lines hold this many characters (a longer single line goes alone). */
const BATCH_CHARS = 128 * 1024;
/** Lines written within this long go out together (a call's lines, and every call's under load). */
const FLUSH_MS = 5;

/**
 * Ships every function output line to the platform's log stream (`<prefix>.logs.<ns>.<fn>.<instance>`).
 * `line()` only appends to a bounded buffer and never blocks a call; a timer publishes what
 * gathered within FLUSH_MS as one message (see log-lines: one JetStream write and ack per flush,
 * not per line, in order) with a bounded number of unacknowledged JetStream publishes. When NATS is slow or away and the buffer
 * is full, new lines are dropped and counted (reported through `onDrops`).
 */
export class NatsLogSink implements FunctionLogSink {
  private readonly queue: PendingLine[] = [];
  private js?: JetStreamClient;
  private unacked = 0;
  private dropped = 0;
  private failed = 0;
  private scheduled = false;
  private closed = false;

  constructor(
    /** Subject of this replica's lines. */
    private readonly subject: string,
    /** Most lines held. */
    private readonly capacity: number,
    /** Told, at most once per flush, how many lines were lost since the last report. */
    private readonly onDrops: (dropped: number, reason: string) => void,
  ) {}

  /** Lines dropped since start (buffer full, or the stream refused them). */
  get droppedTotal(): number {
    return this.dropped + this.failed;
  }

  /** Starts shipping over `nc` (lines written before are buffered). */
  attach(nc: NatsConnection): void {
    this.js = nc.jetstream();
    this.schedule();
  }

  line(stream: FunctionStream, text: string): void {
    if (this.closed) return;
    if (this.queue.length >= this.capacity) {
      this.dropped++;
      return;
    }
    this.queue.push({ stream, text, time: new Date().toISOString() });
    this.schedule();
  }

  /** Publishes what is buffered (waiting up to `timeoutMs` for acks), then stops. */
  async close(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.queue.length || this.unacked) && this.js && Date.now() < deadline) {
      this.flush();
      await new Promise((r) => setTimeout(r, 10));
    }
    this.closed = true;
    this.report();
  }

  private schedule(): void {
    if (this.scheduled || !this.js) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      this.flush();
    }, FLUSH_MS).unref();
  }

  private flush(): void {
    const js = this.js;
    if (!js) return;
    while (this.queue.length && this.unacked < MAX_UNACKED) {
      let n = 0;
      let chars = 0;
      while (n < this.queue.length && n < BATCH_LINES && (n === 0 || chars + this.queue[n].text.length <= BATCH_CHARS)) {
        chars += this.queue[n].text.length;
        n++;
      }
      const lines = this.queue.splice(0, n);
      const h = natsHeaders();
      let data: string;
      if (lines.length === 1) {
        h.set(LOG_HEADERS.time, lines[0].time);
        h.set(LOG_HEADERS.stream, lines[0].stream);
        data = lines[0].text;
      } else {
        h.set(LOG_HEADERS.batch, '1');
        data = encodeLogBatch(lines);
      }
      this.unacked++;
      js.publish(this.subject, data, { headers: h, timeout: 5000 }).then(
        () => this.acked(),
        () => {
          this.failed += lines.length;
          this.acked();
        },
      );
    }
    this.report();
  }

  private acked(): void {
    this.unacked--;
    if (this.queue.length) this.schedule();
  }

  private reported = 0;
  private reportedAt = 0;

  private report(): void {
    const total = this.droppedTotal;
    // At most one warning every few seconds, however many lines are lost.
    if (total > this.reported && (this.closed || Date.now() - this.reportedAt > 5000)) {
      this.reportedAt = Date.now();
      this.onDrops(total - this.reported, this.failed ? 'buffer full or the log stream refused them' : 'buffer full');
      this.reported = total;
    }
  }
}

/** Sends every line to several sinks. */
export class TeeLogSink implements FunctionLogSink {
  constructor(private readonly sinks: FunctionLogSink[]) {}

  line(stream: FunctionStream, text: string): void {
    for (const sink of this.sinks) sink.line(stream, text);
  }
}
