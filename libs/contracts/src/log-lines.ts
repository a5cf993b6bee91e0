/**
 * Function output lines in the log stream (`<prefix>.logs.<ns>.<fn>.<instance>`). A message holds
 * either one line (its text as data, `Skiff-Log-Time` / `Skiff-Log-Stream` headers) or, with
 * `Skiff-Log-Batch: 1`, several lines in order as a JSON array of `[time, stream, text]`, so a
 * replica writes one message per flush instead of one per line.
 */

/** One function output line. */
export interface LogLineRecord {
  /** When the replica saw the line (RFC 3339). */
  time: string;
  /** `stdout` or `stderr`. */
  stream: string;
  /** The line, without its newline. */
  text: string;
}

/** Headers of a log stream message. */
export const LOG_HEADERS = {
  /** When the replica saw the line (RFC 3339), single-line messages. */
  time: 'Skiff-Log-Time',
  /** `stdout` or `stderr`, single-line messages. */
  stream: 'Skiff-Log-Stream',
  /** `1`: the data is a batch of lines (encodeLogBatch). */
  batch: 'Skiff-Log-Batch',
} as const;

/** The data of a batch message. */
export function encodeLogBatch(lines: readonly LogLineRecord[]): string {
  return JSON.stringify(lines.map((l) => [l.time, l.stream, l.text]));
}

/** The lines of a batch message; an unreadable batch is one line with its raw text. */
export function decodeLogBatch(data: string, fallbackTime: string): LogLineRecord[] {
  try {
    const parsed: unknown = JSON.parse(data);
    if (Array.isArray(parsed)) {
      const out: LogLineRecord[] = [];
      for (const entry of parsed) {
        if (!Array.isArray(entry)) continue;
        const [time, stream, text] = entry as unknown[];
        out.push({
          time: typeof time === 'string' && time ? time : fallbackTime,
          stream: typeof stream === 'string' ? stream : 'stdout',
          text: typeof text === 'string' ? text : String(text ?? ''),
        });
      }
      return out;
    }
  } catch {
    // not a batch after all
  }
  return [{ time: fallbackTime, stream: 'stdout', text: data }];
}
