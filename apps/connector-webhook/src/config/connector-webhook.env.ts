import { IsInt, IsString, Max, Min, registerDecorator, ValidationArguments } from 'class-validator';
import { HttpServiceEnv, loadEnv } from '@skiff/config';
import { isReservedTopic, splitTopics, topicProblem } from '@skiff/contracts';

/** Why a list of topics opened for unsigned webhooks is unusable, or undefined. */
export function unsignedTopicsProblem(value: string): string | undefined {
  for (const topic of splitTopics(value)) {
    const problem = topicProblem(topic);
    if (problem) return `SKIFF_WEBHOOK_UNSIGNED_TOPICS: ${problem}`;
    if (isReservedTopic(topic)) return `SKIFF_WEBHOOK_UNSIGNED_TOPICS: topic "${topic}" is reserved and cannot take webhooks`;
  }
  return undefined;
}

function IsTopicList(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isTopicList',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => typeof value === 'string' && unsignedTopicsProblem(value) === undefined,
        defaultMessage: (args: ValidationArguments) =>
          unsignedTopicsProblem(String(args.value)) ?? 'SKIFF_WEBHOOK_UNSIGNED_TOPICS must be comma-separated topic names',
      },
    });
}

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

  /**
   * Topics that take unsigned webhooks when they have no `webhook-<topic>` secret (comma-separated).
   * Every other topic without a secret refuses webhooks (403): fail closed.
   */
  @IsString()
  @IsTopicList()
  SKIFF_WEBHOOK_UNSIGNED_TOPICS = '';

  /**
   * How far the `t` of an X-Skiff-Signature may be from now (seconds, at most 300 as with Stripe and
   * Slack), and how long a signed request is remembered so the same one is published once.
   */
  @IsInt({ message: 'SKIFF_WEBHOOK_TOLERANCE_S must be a whole number of seconds' })
  @Min(1)
  @Max(300)
  SKIFF_WEBHOOK_TOLERANCE_S = 300;
}

/** Provider token of the validated environment. */
export const CONNECTOR_WEBHOOK_ENV = 'CONNECTOR_WEBHOOK_ENV';

/** Validates the environment (startup does it once); `SKIFF_CONNECTOR_WEBHOOK_PORT` is read when `SKIFF_WEBHOOK_PORT` is unset. */
export function connectorWebhookEnv(source: NodeJS.ProcessEnv): ConnectorWebhookEnv {
  const env = { ...source };
  if (env.SKIFF_WEBHOOK_PORT === undefined && env.SKIFF_CONNECTOR_WEBHOOK_PORT !== undefined)
    env.SKIFF_WEBHOOK_PORT = env.SKIFF_CONNECTOR_WEBHOOK_PORT;
  return loadEnv(ConnectorWebhookEnv, env);
}
