import { parseDurationMs } from '../config/duration';

/** Function env vars that bound how long a replica may take (OpenFaaS watchdog names). */
const TIMEOUT_VARS = ['exec_timeout', 'write_timeout'] as const;

/** Annotation giving a function's timeout directly (seconds or Go duration); a Skiff extension. */
export const TIMEOUT_ANNOTATION = 'com.skiff.timeout';

/**
 * The one timeout of a function's calls, which every hop shares (gateway wait, replica deadline
 * sent as `Skiff-Timeout-Ms`, streamed bodies): the `com.skiff.timeout` annotation when set, else
 * the larger of its `exec_timeout` and `write_timeout` (the watchdog answers by then, with its own
 * timeout status if the handler overruns), capped by the gateway's upstream timeout. Unset, zero
 * or unreadable → the cap.
 */
export function functionTimeoutMs(envVars: Record<string, string> | undefined, upstreamTimeoutMs: number, annotations?: Record<string, string>): number {
  const annotated = parseDurationMs(annotations?.[TIMEOUT_ANNOTATION]);
  if (annotated && annotated > 0) return Math.min(annotated, upstreamTimeoutMs);
  let ms = 0;
  for (const name of TIMEOUT_VARS) {
    const value = parseDurationMs(envVars?.[name]);
    if (value && value > ms) ms = value;
  }
  return ms > 0 ? Math.min(ms, upstreamTimeoutMs) : upstreamTimeoutMs;
}
