import { IsInt, Max, Min } from 'class-validator';
import { HttpServiceEnv, loadEnv } from '@skiff/config';

/** Environment of connector-webhook. */
export class ConnectorWebhookEnv extends HttpServiceEnv {
  /** Port of the webhook listener (also `/healthz` and `/metrics`). */
  @IsInt({ message: 'SKIFF_WEBHOOK_PORT must be a whole number' })
  @Min(0)
  @Max(65_535)
  SKIFF_WEBHOOK_PORT = 8085;

  /** Largest webhook body in bytes (413 above); lowered at start to what one NATS message can carry. */
  @IsInt({ message: 'SKIFF_WEBHOOK_MAX_BODY_BYTES must be a whole number of bytes' })
  @Min(1)
  @Max(64 * 1024 * 1024)
  SKIFF_WEBHOOK_MAX_BODY_BYTES = 1_000_000;

  /** How long a signature check may wait for the provider (503 after, never published unsigned). */
  @IsInt({ message: 'SKIFF_WEBHOOK_VERIFY_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(100)
  @Max(60_000)
  SKIFF_WEBHOOK_VERIFY_TIMEOUT_MS = 5_000;
}

/** Provider token of the validated environment. */
export const CONNECTOR_WEBHOOK_ENV = 'CONNECTOR_WEBHOOK_ENV';

let cached: ConnectorWebhookEnv | undefined;

/** Validates the environment once; `SKIFF_CONNECTOR_WEBHOOK_PORT` is read when `SKIFF_WEBHOOK_PORT` is unset. */
export function connectorWebhookEnv(): ConnectorWebhookEnv {
  const env = { ...process.env };
  if (env.SKIFF_WEBHOOK_PORT === undefined && env.SKIFF_CONNECTOR_WEBHOOK_PORT !== undefined) env.SKIFF_WEBHOOK_PORT = env.SKIFF_CONNECTOR_WEBHOOK_PORT;
  cached ??= loadEnv(ConnectorWebhookEnv, env);
  return cached;
}
