import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { HttpServiceEnv, IsReadableFile, loadEnv } from '@skiff/config';

/** Environment of connector-cron. */
export class ConnectorCronEnv extends HttpServiceEnv {
  /** Port of the HTTP listener (`/healthz` and `/metrics`). */
  @IsInt({ message: 'SKIFF_CONNECTOR_CRON_PORT must be a whole number' })
  @Min(0)
  @Max(65_535)
  SKIFF_CONNECTOR_CRON_PORT = 8086;

  /** Redis holding the BullMQ job schedulers (shared by every connector-cron replica). */
  @Matches(/^rediss?:\/\/[^\s]+$/, { message: 'SKIFF_REDIS_URL must be a redis:// or rediss:// URL' })
  SKIFF_REDIS_URL = 'redis://127.0.0.1:6379';

  /** A file holding Redis's password (`npm start` generates one); wins over a password in the URL. */
  @IsOptional()
  @IsReadableFile()
  SKIFF_REDIS_PASSWORD_FILE?: string = undefined;

  /** Key prefix of every BullMQ key in Redis (the queue name adds the subject prefix). */
  @IsString()
  @Matches(/^[A-Za-z0-9_:-]{1,64}$/, { message: 'SKIFF_CRON_REDIS_PREFIX must be 1-64 characters of A-Z a-z 0-9 _ : -' })
  SKIFF_CRON_REDIS_PREFIX = 'skiff';

  /** How often the schedulers in Redis are compared with the registry (and re-created after a flush). */
  @IsInt({ message: 'SKIFF_CRON_RESYNC_MS must be a whole number of milliseconds' })
  @Min(100)
  @Max(600_000)
  SKIFF_CRON_RESYNC_MS = 2_000;
}

/** Provider token of the validated environment. */
export const CONNECTOR_CRON_ENV = 'CONNECTOR_CRON_ENV';

/** Validates the environment (throws naming every bad variable): connector-cron.startup.ts does it once. */
export function connectorCronEnv(env: NodeJS.ProcessEnv): ConnectorCronEnv {
  return loadEnv(ConnectorCronEnv, env);
}
