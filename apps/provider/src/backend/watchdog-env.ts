import { FunctionRecord } from '@skiff/contracts';

/** What every backend tells its functions' watchdogs about the platform. */
export interface WatchdogPlatform {
  natsUrl: string;
  prefix: string;
  logLevel: string;
}

/** A function's own variables, then `fprocess` from `envProcess` (container backends; the local one resolves its runtime first). */
export function functionOwnEnv(spec: FunctionRecord['spec']): Record<string, string> {
  return { ...(spec.envVars ?? {}), ...(spec.envProcess ? { fprocess: spec.envProcess } : {}) };
}

/**
 * The `SKIFF_*` variables every backend gives a function's watchdog. Backends assign them (and their own)
 * after the function's variables, so a function cannot override them.
 */
export function watchdogPlatformEnv(platform: WatchdogPlatform, spec: FunctionRecord['spec']): Record<string, string> {
  return {
    SKIFF_NATS_URL: platform.natsUrl,
    SKIFF_SUBJECT_PREFIX: platform.prefix,
    SKIFF_LOG_LEVEL: platform.logLevel,
    SKIFF_FUNCTION_NAME: spec.service,
    SKIFF_FUNCTION_NAMESPACE: spec.namespace,
  };
}
