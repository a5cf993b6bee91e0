import { LoggerService } from '@nestjs/common';
import pino, { Logger as PinoLogger } from 'pino';

/** Log fields never written in clear. */
export const REDACTED_PATHS = ['authorization', 'headers.authorization', 'password', 'value', 'rawValue', 'req.headers.authorization'];

/** One structured (JSON lines) logger per process, bound to the service name. */
export function createRootLogger(service: string, level: string): PinoLogger {
  return pino({
    level,
    base: { service, pid: process.pid },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

/** Nest's LoggerService on top of pino, so framework and app logs share one structured stream. */
export class StructuredLogger implements LoggerService {
  constructor(private readonly root: PinoLogger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  /** The underlying pino logger (for child loggers with bound fields). */
  get pino(): PinoLogger {
    return this.root;
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, rest: unknown[]): void {
    // Nest passes the context (class name) last; an error stack may come before it.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    const extra = context ? rest.slice(0, -1) : rest;
    for (const item of extra) {
      if (typeof item === 'string') fields.stack = item;
      else if (item instanceof Error) fields.err = item;
      else if (item && typeof item === 'object') Object.assign(fields, item);
    }
    if (message instanceof Error) this.root[level]({ ...fields, err: message }, message.message);
    else if (message && typeof message === 'object') this.root[level]({ ...fields, ...(message as object) });
    else this.root[level](fields, String(message));
  }
}
