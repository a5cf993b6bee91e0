import { Logger } from '@nestjs/common';
import { OutputStream } from './process-launcher';

type Level = 'debug' | 'verbose' | 'log' | 'warn' | 'error' | 'fatal';

const NUMERIC: Array<[number, Level]> = [
  [60, 'fatal'],
  [50, 'error'],
  [40, 'warn'],
  [30, 'log'],
  [20, 'debug'],
  [0, 'verbose'],
];

const NAMED: Record<string, Level> = { fatal: 'fatal', error: 'error', warn: 'warn', info: 'log', debug: 'debug', trace: 'verbose' };

/** Fields of the replica's own log line that the provider's logger sets itself. */
const DROPPED = new Set(['level', 'time', 'pid', 'hostname', 'service', 'msg']);

function levelOf(value: unknown): Level | undefined {
  if (typeof value === 'string') return NAMED[value];
  if (typeof value === 'number') return NUMERIC.find(([min]) => value >= min)?.[1];
  return undefined;
}

/**
 * Re-logs one line a replica printed, tagged with the function and replica id. A JSON log line
 * (the watchdog logs with pino) keeps its level and fields; anything else is logged as text,
 * stderr as a warning.
 */
export function relogLine(logger: Pick<Logger, Level>, fn: string, replica: string, stream: OutputStream, text: string): void {
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const level = levelOf(parsed.level);
      if (parsed && typeof parsed === 'object' && level) {
        const fields: Record<string, unknown> = { function: fn, replica };
        for (const [k, v] of Object.entries(parsed)) if (!DROPPED.has(k)) fields[k] = v;
        fields.msg = typeof parsed.msg === 'string' ? parsed.msg : '';
        logger[level](fields);
        return;
      }
    } catch {
      // not JSON after all: log it as text below
    }
  }
  const fields = { function: fn, replica, stream, msg: text };
  if (stream === 'stderr') logger.warn(fields);
  else logger.log(fields);
}
