import { FunctionLogSink, FunctionStream } from './function-log.sink';

/** Longest part of a line kept (the whole line is in the log stream). */
const MAX_KEPT_CHARS = 4096;

/**
 * Keeps the last few function output lines, and nothing else, so a replica whose output goes only to
 * the log stream can still show on stdout why it failed (its supervisor's log) when it exits.
 */
export class RecentLinesSink implements FunctionLogSink {
  private readonly ring: Array<{ stream: FunctionStream; text: string }> = [];
  private next = 0;

  constructor(private readonly size: number) {}

  line(stream: FunctionStream, text: string): void {
    const entry = { stream, text: text.length > MAX_KEPT_CHARS ? `${text.slice(0, MAX_KEPT_CHARS)}…` : text };
    if (this.ring.length < this.size) this.ring.push(entry);
    else this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.size;
  }

  /** Sends the kept lines, oldest first, to `sink` and forgets them; returns how many. */
  replay(sink: FunctionLogSink): number {
    const lines = this.ring.length < this.size ? this.ring : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    for (const { stream, text } of lines) sink.line(stream, text);
    const n = lines.length;
    this.ring.length = 0;
    this.next = 0;
    return n;
  }
}
