import { IsInt, Min } from 'class-validator';
import { DiscardPolicy, NatsConnection, RetentionPolicy, StorageType, nanos } from 'nats';
import { jetStreamLimits, loadEnv } from '@skiff/config';
import { SubjectRegistry } from '@skiff/contracts';
import { isJetStreamError } from './jetstream-errors';

/** Environment bounding the function log stream (read by the provider and the gateway). */
export class LogStreamEnv {
  /** How long function output lines are kept, in seconds. */
  @IsInt({ message: 'SKIFF_LOGS_MAX_AGE_S must be a whole number of seconds' })
  @Min(1, { message: 'SKIFF_LOGS_MAX_AGE_S must be at least 1' })
  SKIFF_LOGS_MAX_AGE_S: number = 86_400;

  /** Most bytes of function output kept; the oldest lines go first. */
  @IsInt({ message: 'SKIFF_LOGS_MAX_BYTES must be a whole number of bytes' })
  @Min(1024 * 1024, { message: 'SKIFF_LOGS_MAX_BYTES must be at least 1048576' })
  SKIFF_LOGS_MAX_BYTES: number = 256 * 1024 * 1024;
}

/** Bounds of the function log stream. */
export interface LogStreamOptions {
  /** Age limit in ms. */
  maxAgeMs: number;
  /** Size limit in bytes. */
  maxBytes: number;
}

/** Injection token of the validated LogStreamOptions (provider and gateway). */
export const LOG_STREAM_OPTIONS = 'LOG_STREAM_OPTIONS';

/** Validates the log stream variables (throws EnvError naming every bad one). */
export function logStreamOptions(env: NodeJS.ProcessEnv): LogStreamOptions {
  const e = loadEnv(LogStreamEnv, env);
  return { maxAgeMs: e.SKIFF_LOGS_MAX_AGE_S * 1000, maxBytes: e.SKIFF_LOGS_MAX_BYTES };
}

/**
 * Creates the function log stream (`<P>_LOGS`, subjects `<prefix>.logs.>`, file storage, oldest
 * lines discarded first) or brings its limits to `options`. Idempotent; safe when several
 * services race to create it.
 */
export async function ensureLogStream(nc: NatsConnection, subjects: SubjectRegistry, options: LogStreamOptions): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const limits = { max_age: nanos(options.maxAgeMs), max_bytes: options.maxBytes, num_replicas: jetStreamLimits().replicas };
  try {
    const info = await jsm.streams.info(subjects.logStream);
    if (
      info.config.max_age !== limits.max_age ||
      info.config.max_bytes !== limits.max_bytes ||
      info.config.num_replicas !== limits.num_replicas
    ) {
      await jsm.streams.update(subjects.logStream, { ...info.config, ...limits });
    }
    return;
  } catch (err) {
    if (!isJetStreamError(err, 'streamNotFound')) throw err;
  }
  try {
    await jsm.streams.add({
      name: subjects.logStream,
      subjects: [subjects.functionLogAll],
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      storage: StorageType.File,
      allow_direct: true,
      ...limits,
    });
  } catch (err) {
    // Another process created it between our check and add.
    await jsm.streams.info(subjects.logStream).catch(() => Promise.reject(err));
  }
}
