import type { AsyncCallResult } from '@skiff/contracts';
import type { StoredAsyncResult } from '@skiff/async';
import { AttemptOutcome, backoffMs, isRetryable, RetryPolicy } from '../retry.policy';

/**
 * The queue-worker's decisions about one async call, without I/O: whether a delivery runs, which
 * attempt it is, whether an outcome is retried (and after how long), given up into the dead letters,
 * or final. CallProcessor carries them out.
 */

/** What is done with a call after an attempt (or instead of one). */
export type Verdict =
  /** Record the call as queued again and redeliver it after `delayMs`. */
  | { action: 'retry'; delayMs: number }
  /** Record the outcome and ack; `givenUp` moves the call to the dead letters. */
  | { action: 'finish'; givenUp: boolean };

/**
 * After attempt `attempt`: an outcome the policy retries is tried again while attempts are left
 * (back-off from backoffMs, honouring `Retry-After`) and given up into the dead letters after the
 * last one; any other outcome (success, or a failure the policy does not retry) is final.
 */
export function afterAttempt(outcome: AttemptOutcome, attempt: number, policy: RetryPolicy, random = Math.random): Verdict {
  const retryable = isRetryable(outcome, policy);
  if (retryable && attempt < policy.attempts) return { action: 'retry', delayMs: backoffMs(attempt, policy, outcome, random) };
  return { action: 'finish', givenUp: retryable };
}

/** The state a finished call is recorded with. */
export function finalState(status: number, givenUp: boolean): 'dead-lettered' | 'succeeded' | 'failed' {
  if (givenUp) return 'dead-lettered';
  return status < 400 ? 'succeeded' : 'failed';
}

/**
 * A call whose function is not in the registry cache: when the bucket has it, the cache is behind
 * (its watch is being restarted), so the call waits for the first back-off; otherwise the function was
 * deleted while the call was queued and the call is given up (404).
 */
export function missingFunction(inBucket: boolean, policy: RetryPolicy): { action: 'wait'; delayMs: number } | { action: 'give-up' } {
  return inBucket ? { action: 'wait', delayMs: policy.minWaitMs } : { action: 'give-up' };
}

/** A delivery of a call whose recorded state says it must not run again, and what the metric calls it. */
export function alreadySettled(stored: StoredAsyncResult | undefined): 'cancelled' | 'already-done' | undefined {
  if (!stored || stored.value.state === 'queued' || stored.value.state === 'running') return undefined;
  return stored.value.state === 'cancelled' ? 'cancelled' : 'already-done';
}

/** True when a settled call's out-of-line body can go (a dead letter keeps its body: a replay needs it). */
export function keepsBody(state: AsyncCallResult['state']): boolean {
  return state === 'dead-lettered';
}

/**
 * Which attempt a delivery is, from the call's recorded state (not from JetStream's delivery count,
 * which also counts deliveries lost with a crashed queue-worker or to a pull request of a dead one):
 * after a recorded outcome (`queued` for a retry) it is the next attempt; when the state is still
 * `running`, the previous delivery died before recording an outcome (worker killed, lease lapsed),
 * so this one re-runs the same attempt and counts a crash instead. Crashes are forgiven up to
 * `allowance` per call; after that they consume attempts, so a call that kills its worker each
 * time still ends in the dead letters. Without a recorded state the delivery count is used.
 */
export function attemptOf(
  stored: StoredAsyncResult | undefined,
  delivery: number,
  allowance: number,
): { attempt: number; crashes: number } {
  if (!stored) return { attempt: delivery, crashes: 0 };
  const { state, attempts } = stored.value;
  const crashes = stored.value.crashes ?? 0;
  if (state !== 'running') return { attempt: attempts + 1, crashes };
  if (crashes < allowance) return { attempt: Math.max(1, attempts), crashes: crashes + 1 };
  return { attempt: attempts + 1, crashes };
}

/** True when a claimed attempt is past the last one (its workers died each time): give the call up instead of running it. */
export function outOfAttempts(attempt: number, policy: RetryPolicy): boolean {
  return attempt > policy.attempts;
}

/**
 * A failure of the worker itself while handling a delivery (a bug, JetStream unreachable): the
 * delivery is retried with back-off, and dead-lettered once JetStream's delivery count reaches the
 * policy's attempts.
 */
export function afterUnexpected(
  delivery: number,
  policy: RetryPolicy,
  random = Math.random,
): { action: 'dead-letter' } | { action: 'retry'; delayMs: number } {
  if (delivery >= policy.attempts) return { action: 'dead-letter' };
  return { action: 'retry', delayMs: backoffMs(delivery, policy, undefined, random) };
}
