import { parseDurationMs } from '../config/duration';

/** Function env vars that bound how long a replica may take (OpenFaaS watchdog names). */
const TIMEOUT_VARS = ['exec_timeout', 'write_timeout'] as const;

/**
 * How long the gateway waits for one call of a function: the larger of its `exec_timeout` and
 * `write_timeout` (the watchdog answers by then, with its own timeout status if the handler
 * overruns), capped by the gateway's upstream timeout. Unset, zero or unreadable → the cap.
 */
export function functionTimeoutMs(envVars: Record<string, string> | undefined, upstreamTimeoutMs: number): number {
  let ms = 0;
  for (const name of TIMEOUT_VARS) {
    const value = parseDurationMs(envVars?.[name]);
    if (value && value > ms) ms = value;
  }
  return ms > 0 ? Math.min(ms, upstreamTimeoutMs) : upstreamTimeoutMs;
}
