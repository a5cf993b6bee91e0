import type { FunctionRecord } from '@skiff/contracts/messages/function-record';
import { parseDurationMs } from './retry.policy';

/** One call's timeout: the larger of the function's `exec_timeout` / `write_timeout`, capped by `capMs`; the cap when unset. */
export function functionTimeoutMs(record: FunctionRecord, capMs: number): number {
  const env = record.spec.envVars ?? {};
  const ms = Math.max(parseDurationMs(env.exec_timeout) ?? 0, parseDurationMs(env.write_timeout) ?? 0);
  return ms > 0 ? Math.min(ms, capMs) : capMs;
}
