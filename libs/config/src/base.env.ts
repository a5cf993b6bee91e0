import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { IsReadableFile } from './readable-file';
import { SUBJECT_PREFIX_PATTERN } from '@skiff/contracts/prefix';
import { JetStreamLimitsEnv } from './jetstream-limits.env';

/** Log levels accepted by `SKIFF_LOG_LEVEL`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Environment every service reads (the JetStream quotas included). Each app extends it with its own variables. */
export class BaseEnv extends JetStreamLimitsEnv {
  /** NATS server URL(s), comma-separated. */
  @IsString()
  @Matches(/^(nats|tls|ws|wss):\/\/[^\s,]+(,(nats|tls|ws|wss):\/\/[^\s,]+)*$/, {
    message: 'SKIFF_NATS_URL must be one or more nats:// URLs separated by commas',
  })
  SKIFF_NATS_URL = 'nats://127.0.0.1:4222';

  /**
   * This service's NATS credentials (a `.creds` file: user JWT and seed). `npm start` writes one per
   * service; none on a server that lets anonymous clients in.
   */
  @IsOptional()
  @IsReadableFile()
  SKIFF_NATS_CREDS?: string = undefined;

  /** Prefix of every subject, stream and bucket (lets several platforms and test runs share a server). */
  @Matches(SUBJECT_PREFIX_PATTERN, { message: 'SKIFF_SUBJECT_PREFIX must be 1-32 characters of A-Z a-z 0-9 _ -' })
  SKIFF_SUBJECT_PREFIX = 'faas';

  /** Log level. */
  @IsIn(LOG_LEVELS as unknown as string[], { message: `SKIFF_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  SKIFF_LOG_LEVEL = 'info';

  /** Directory for state kept on disk (generated credentials, bundles cache, nats-server data). */
  @IsString()
  @IsNotEmpty()
  SKIFF_DATA_DIR = './.skiff';

  /** How long a service waits for in-flight work when it is asked to stop. */
  @IsInt({ message: 'SKIFF_SHUTDOWN_GRACE_MS must be a whole number of milliseconds' })
  @Min(0)
  @Max(300_000)
  SKIFF_SHUTDOWN_GRACE_MS = 10_000;
}

/** Environment of a service that also listens on HTTP (health, metrics, or an API). */
export class HttpServiceEnv extends BaseEnv {
  /** Address to bind. */
  @IsString()
  @IsNotEmpty()
  SKIFF_BIND_ADDRESS = '127.0.0.1';
}
