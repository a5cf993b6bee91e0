import { ASYNC_ANNOTATIONS } from '@skiff/contracts/async-protocol';
import type { FunctionRecord } from '@skiff/contracts/messages/function-record';
import { parseDurationMs } from '@skiff/contracts/duration';

/** How a function's failed calls are retried. */
export interface RetryPolicy {
  /** Attempts in total (first call included). */
  attempts: number;
  /** Statuses that are retried. */
  codes: ReadonlySet<number>;
  /** First back-off (ms). */
  minWaitMs: number;
  /** Largest back-off (ms). */
  maxWaitMs: number;
  /**
   * True when a function's own 500 is retried too: only when the function's `com.openfaas.retry.codes`
   * lists 500 itself (the defaults retry a 500 only when the platform produced it).
   */
  retryFunction500?: boolean;
}

/** The outcome of one attempt, as far as retrying is concerned. */
export interface AttemptOutcome {
  /** HTTP status (of the function, or of the platform when it never got there). */
  status: number;
  /** True when the platform (not the function) produced the status: transport errors, timeouts, no replicas. */
  platform: boolean;
  /** Response headers, for `Retry-After`. */
  headers?: Record<string, string | string[]>;
}

/** Parses `408,429,503` into a set of statuses; undefined when any entry is not a status. */
export function parseCodes(raw: string | undefined): Set<number> | undefined {
  if (raw === undefined) return undefined;
  const codes = raw.split(',').map((c) => Number(c.trim()));
  if (!codes.length || codes.some((c) => !Number.isInteger(c) || c < 100 || c > 599)) return undefined;
  return new Set(codes);
}

/** The function's policy: its retry annotations over the global defaults (unreadable annotations are ignored). */
export function retryPolicyFor(record: FunctionRecord | undefined, defaults: RetryPolicy): RetryPolicy {
  const a = record?.spec.annotations ?? {};
  const attempts = Number(a[ASYNC_ANNOTATIONS.retryAttempts]);
  const minWaitMs = parseDurationMs(a[ASYNC_ANNOTATIONS.retryMinWait]) ?? defaults.minWaitMs;
  const maxWaitMs = parseDurationMs(a[ASYNC_ANNOTATIONS.retryMaxWait]) ?? defaults.maxWaitMs;
  const ownCodes = parseCodes(a[ASYNC_ANNOTATIONS.retryCodes]);
  return {
    attempts: Number.isInteger(attempts) && attempts >= 1 && attempts <= 1000 ? attempts : defaults.attempts,
    codes: ownCodes ?? defaults.codes,
    minWaitMs,
    maxWaitMs: Math.max(minWaitMs, maxWaitMs),
    retryFunction500: ownCodes?.has(500) ?? false,
  };
}

/**
 * True when the outcome should be tried again. A function's own 500 is final unless the function
 * asked for it (500 in its `com.openfaas.retry.codes`); the platform's 500 is retried whenever 500 is listed.
 */
export function isRetryable(outcome: AttemptOutcome, policy: RetryPolicy): boolean {
  if (!policy.codes.has(outcome.status)) return false;
  return outcome.status !== 500 || outcome.platform || policy.retryFunction500 === true;
}

/** `Retry-After` in ms (seconds or an HTTP date), or undefined. */
export function retryAfterMs(headers: Record<string, string | string[]> | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'retry-after');
  if (!key) return undefined;
  const raw = [headers[key]].flat()[0]?.trim() ?? '';
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Back-off before attempt `attempt + 1`: exponential from min wait, capped at max wait, with "equal"
 * jitter (50-100 %); a `Retry-After` is honoured within [min wait, max wait].
 */
export function backoffMs(attempt: number, policy: RetryPolicy, outcome?: AttemptOutcome, random = Math.random): number {
  const after = retryAfterMs(outcome?.headers);
  if (after !== undefined) return Math.min(policy.maxWaitMs, Math.max(policy.minWaitMs, after));
  const base = Math.min(policy.maxWaitMs, policy.minWaitMs * 2 ** Math.min(30, attempt - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}
