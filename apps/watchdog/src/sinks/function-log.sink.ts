import { StringDecoder } from 'node:string_decoder';
import { LogFields, writeJsonLine } from '../logger';

/** Which output of the function a line came from. */
export type FunctionStream = 'stdout' | 'stderr';

/** Where the function's own output lines go (later: the `<prefix>_LOGS` JetStream stream). */
export interface FunctionLogSink {
  /** One line of function output, without its newline. */
  line(stream: FunctionStream, text: string): void;
}

/** Writes function output as JSON lines on the watchdog's stdout (stderr lines as warnings, or every line at `level`). */
export class StdoutLogSink implements FunctionLogSink {
  constructor(
    private readonly base: LogFields,
    private readonly level?: 'warn',
  ) {}

  line(stream: FunctionStream, text: string): void {
    const level = this.level ?? (stream === 'stderr' ? 'warn' : 'info');
    writeJsonLine({ level, time: new Date().toISOString(), ...this.base, stream, msg: text });
  }
}

/** Longest line kept; longer output is cut into several lines (of-watchdog's default buffer). */
const MAX_LINE = 65_536;

/** Splits a byte stream into lines for a sink; call the returned `end` when the stream ends. */
export function lineSplitter(sink: FunctionLogSink, stream: FunctionStream): { push(chunk: Buffer): void; end(): void } {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  return {
    push(chunk) {
      const lines = (rest + decoder.write(chunk)).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) sink.line(stream, l.endsWith('\r') ? l.slice(0, -1) : l);
      while (rest.length > MAX_LINE) {
        sink.line(stream, rest.slice(0, MAX_LINE));
        rest = rest.slice(MAX_LINE);
      }
    },
    end() {
      rest += decoder.end();
      if (rest) sink.line(stream, rest);
      rest = '';
    },
  };
}
