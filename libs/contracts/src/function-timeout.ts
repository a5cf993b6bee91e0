import type { FunctionDeployment } from './openfaas/function-deployment';
import { parseDurationMs } from './duration';

/** Function env vars that bound how long a replica may take (OpenFaaS watchdog names). */
const TIMEOUT_VARS = ['exec_timeout', 'write_timeout'] as const;

/** Annotation giving a function's timeout directly (seconds or Go duration); a Skiff extension. */
export const TIMEOUT_ANNOTATION = 'com.skiff.timeout';

/**
 * The one timeout of a function's calls, sync (gateway) and async (queue-worker) alike, which every
 * hop shares (the caller's wait, the replica deadline sent as `Skiff-Timeout-Ms`, streamed bodies):
 * the `com.skiff.timeout` annotation when set, else the larger of its `exec_timeout` and
 * `write_timeout` (the watchdog answers by then, with its own timeout status if the handler
 * overruns), capped by `capMs` (the gateway's upstream timeout, the queue-worker's invoke timeout).
 * Unset, zero or unreadable → the cap.
 */
export function functionTimeoutMs(spec: Pick<FunctionDeployment, 'envVars' | 'annotations'> | undefined, capMs: number): number {
  const annotated = parseDurationMs(spec?.annotations?.[TIMEOUT_ANNOTATION]);
  if (annotated && annotated > 0) return Math.min(annotated, capMs);
  let ms = 0;
  for (const name of TIMEOUT_VARS) {
    const value = parseDurationMs(spec?.envVars?.[name]);
    if (value && value > ms) ms = value;
  }
  return ms > 0 ? Math.min(ms, capMs) : capMs;
}
