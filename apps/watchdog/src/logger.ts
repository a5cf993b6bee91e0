import { LOG_LEVELS, LogLevel } from './config';

/** Fields bound to every line of one logger. */
export type LogFields = Record<string, unknown>;

/** Writes one JSON line to stdout; a closed stdout (crashed parent) is ignored. */
export function writeJsonLine(record: LogFields): void {
  process.stdout.write(JSON.stringify(record) + '\n');
}

/**
 * The watchdog's tiny structured logger: JSON lines on stdout in the shape the other services'
 * pino logs have (`level` label, ISO `time`, `service`, `msg`).
 */
export class Logger {
  private readonly min: number;

  constructor(
    level: LogLevel,
    private readonly base: LogFields,
  ) {
    this.min = LOG_LEVELS.indexOf(level);
  }

  debug(msg: string, fields?: LogFields): void {
    this.write(0, msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.write(1, msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.write(2, msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.write(3, msg, fields);
  }

  /** True when `level` lines are written (to skip building fields for nothing). */
  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= this.min;
  }

  private write(level: number, msg: string, fields?: LogFields): void {
    if (level < this.min) return;
    writeJsonLine({ level: LOG_LEVELS[level], time: new Date().toISOString(), ...this.base, ...fields, msg });
  }
}
