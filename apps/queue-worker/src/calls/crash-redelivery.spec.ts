import 'reflect-metadata';
import { AsyncCallResult } from '@skiff/contracts';
import { attemptOf } from './call.policy';

const stored = (value: Partial<AsyncCallResult>) => ({
  value: { callId: 'c', name: 'f', namespace: 'ns', state: 'queued', attempts: 0, ...value } as AsyncCallResult,
  revision: 1,
});

describe('attemptOf', () => {
  it('is the next attempt after a recorded outcome, whatever JetStream counted', () => {
    expect(attemptOf(stored({ state: 'queued', attempts: 0 }), 1, 10)).toEqual({ attempt: 1, crashes: 0 });
    // A retry wrote `queued` after attempt 1; deliveries lost to a dead pull request do not count.
    expect(attemptOf(stored({ state: 'queued', attempts: 1 }), 2, 10)).toEqual({ attempt: 2, crashes: 0 });
    expect(attemptOf(stored({ state: 'queued', attempts: 1 }), 4, 10)).toEqual({ attempt: 2, crashes: 0 });
  });

  it('re-runs the same attempt when the call is still running (its worker died), counting a crash', () => {
    expect(attemptOf(stored({ state: 'running', attempts: 1 }), 2, 10)).toEqual({ attempt: 1, crashes: 1 });
    expect(attemptOf(stored({ state: 'running', attempts: 1, crashes: 1 }), 5, 10)).toEqual({ attempt: 1, crashes: 2 });
    expect(attemptOf(stored({ state: 'queued', attempts: 2, crashes: 1 }), 4, 10)).toEqual({ attempt: 3, crashes: 1 });
  });

  it('stops forgiving crashes at the allowance, so a call that kills its worker each time still ends', () => {
    expect(attemptOf(stored({ state: 'running', attempts: 1, crashes: 3 }), 5, 3)).toEqual({ attempt: 2, crashes: 3 });
  });

  it('falls back to the delivery count without a recorded state', () => {
    expect(attemptOf(undefined, 3, 10)).toEqual({ attempt: 3, crashes: 0 });
  });
});
