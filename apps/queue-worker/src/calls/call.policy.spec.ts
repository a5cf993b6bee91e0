import { AsyncCallResult } from '@skiff/contracts';
import type { RetryPolicy } from '../retry.policy';
import { afterAttempt, afterUnexpected, alreadySettled, finalState, keepsBody, missingFunction, outOfAttempts } from './call.policy';

/** The queue-worker's defaults (SKIFF_QUEUE_RETRY_*), with 5 attempts. */
const policy: RetryPolicy = { attempts: 5, codes: new Set([408, 429, 500, 502, 503, 504]), minWaitMs: 1000, maxWaitMs: 8000 };
const top = () => 1;
const bottom = () => 0;
const stored = (state: AsyncCallResult['state']) => ({
  value: { callId: 'c', name: 'f', namespace: 'ns', state, attempts: 1 } as AsyncCallResult,
  revision: 3,
});

describe('call policy: after an attempt', () => {
  it('finishes a success, never retried', () => {
    expect(afterAttempt({ status: 200, platform: false }, 1, policy)).toEqual({ action: 'finish', givenUp: false });
    expect(afterAttempt({ status: 202, platform: false }, 5, policy)).toEqual({ action: 'finish', givenUp: false });
  });

  it('finishes a failure the policy does not retry as failed, not dead-lettered, on any attempt', () => {
    expect(afterAttempt({ status: 400, platform: false }, 1, policy)).toEqual({ action: 'finish', givenUp: false });
    expect(afterAttempt({ status: 404, platform: true }, 1, policy)).toEqual({ action: 'finish', givenUp: false });
    // The function's own 500 is final unless it lists 500 in its com.openfaas.retry.codes.
    expect(afterAttempt({ status: 500, platform: false }, 1, policy)).toEqual({ action: 'finish', givenUp: false });
    expect(afterAttempt({ status: 500, platform: false }, 1, { ...policy, retryFunction500: true })).toMatchObject({ action: 'retry' });
  });

  it('retries each retried status while attempts are left', () => {
    for (const status of [408, 429, 502, 503, 504])
      expect(afterAttempt({ status, platform: false }, 1, policy, top)).toEqual({ action: 'retry', delayMs: 1000 });
    expect(afterAttempt({ status: 500, platform: true }, 4, policy, top)).toEqual({ action: 'retry', delayMs: 8000 });
  });

  it('gives the call up into the dead letters after the last attempt', () => {
    expect(afterAttempt({ status: 503, platform: true }, 5, policy)).toEqual({ action: 'finish', givenUp: true });
    expect(afterAttempt({ status: 429, platform: false }, 7, policy)).toEqual({ action: 'finish', givenUp: true });
    expect(afterAttempt({ status: 503, platform: true }, 1, { ...policy, attempts: 1 })).toEqual({ action: 'finish', givenUp: true });
  });

  it('backs off exponentially from min wait, with 50-100 % jitter, capped at max wait', () => {
    const delay = (attempt: number, random: () => number) => {
      const verdict = afterAttempt({ status: 503, platform: true }, attempt, { ...policy, attempts: 100 }, random);
      return verdict.action === 'retry' ? verdict.delayMs : undefined;
    };
    expect([1, 2, 3, 4, 5, 20].map((a) => delay(a, top))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect([1, 2, 3, 4].map((a) => delay(a, bottom))).toEqual([500, 1000, 2000, 4000]);
  });

  it("honours the function's Retry-After within [min wait, max wait]", () => {
    const answered = (retryAfter: string) => ({ status: 429, platform: false, headers: { 'Retry-After': retryAfter } });
    expect(afterAttempt(answered('3'), 1, policy, top)).toEqual({ action: 'retry', delayMs: 3000 });
    expect(afterAttempt(answered('0'), 1, policy, top)).toEqual({ action: 'retry', delayMs: 1000 });
    expect(afterAttempt(answered('600'), 1, policy, top)).toEqual({ action: 'retry', delayMs: 8000 });
  });
});

describe('call policy: final state', () => {
  it('is dead-lettered when given up, else succeeded below 400 and failed from 400', () => {
    expect(finalState(503, true)).toBe('dead-lettered');
    expect(finalState(200, true)).toBe('dead-lettered');
    expect(finalState(200, false)).toBe('succeeded');
    expect(finalState(302, false)).toBe('succeeded');
    expect(finalState(400, false)).toBe('failed');
    expect(finalState(500, false)).toBe('failed');
  });

  it('keeps the out-of-line body of a dead letter only (a replay needs it)', () => {
    expect(keepsBody('dead-lettered')).toBe(true);
    for (const state of ['succeeded', 'failed', 'cancelled'] as const) expect(keepsBody(state)).toBe(false);
  });
});

describe('call policy: before an attempt', () => {
  it('waits for the first back-off when the function is in the bucket but not in the cache, and gives up when it is gone', () => {
    expect(missingFunction(true, policy)).toEqual({ action: 'wait', delayMs: 1000 });
    expect(missingFunction(false, policy)).toEqual({ action: 'give-up' });
  });

  it('does not run a call again once it is cancelled or over', () => {
    expect(alreadySettled(undefined)).toBeUndefined();
    expect(alreadySettled(stored('queued'))).toBeUndefined();
    expect(alreadySettled(stored('running'))).toBeUndefined();
    expect(alreadySettled(stored('cancelled'))).toBe('cancelled');
    for (const state of ['succeeded', 'failed', 'dead-lettered'] as const) expect(alreadySettled(stored(state))).toBe('already-done');
  });

  it('gives up a claimed attempt past the last one (its workers died each time) instead of running it', () => {
    expect(outOfAttempts(5, policy)).toBe(false);
    expect(outOfAttempts(6, policy)).toBe(true);
  });
});

describe('call policy: a failure of the worker itself', () => {
  it('retries the delivery with back-off, and dead-letters it once JetStream delivered it as often as attempts allow', () => {
    expect(afterUnexpected(1, policy, top)).toEqual({ action: 'retry', delayMs: 1000 });
    expect(afterUnexpected(3, policy, top)).toEqual({ action: 'retry', delayMs: 4000 });
    expect(afterUnexpected(4, policy, bottom)).toEqual({ action: 'retry', delayMs: 4000 });
    expect(afterUnexpected(5, policy)).toEqual({ action: 'dead-letter' });
    expect(afterUnexpected(9, policy)).toEqual({ action: 'dead-letter' });
  });
});
