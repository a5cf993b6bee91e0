import type { FunctionRecord } from '@skiff/contracts/messages/function-record';
import { backoffMs, isRetryable, parseCodes, retryAfterMs, retryPolicyFor, RetryPolicy } from './retry.policy';

const defaults: RetryPolicy = { attempts: 5, codes: new Set([408, 429, 500, 502, 503, 504]), minWaitMs: 1000, maxWaitMs: 8000 };
const record = (annotations: Record<string, string>): FunctionRecord =>
  ({ spec: { service: 'f', image: 'i', namespace: 'ns', annotations }, replicas: 1, createdAt: '', updatedAt: '' }) as FunctionRecord;

describe('retry policy', () => {
  it('parses status lists and rejects junk', () => {
    expect([...parseCodes('429, 503')!]).toEqual([429, 503]);
    expect(parseCodes('429,abc')).toBeUndefined();
    expect(parseCodes('42')).toBeUndefined();
  });

  it('applies annotations over defaults and ignores unreadable ones', () => {
    const p = retryPolicyFor(
      record({
        'com.openfaas.retry.attempts': '3',
        'com.openfaas.retry.codes': '429',
        'com.openfaas.retry.min_wait': '2s',
        'com.openfaas.retry.max_wait': 'x',
      }),
      defaults,
    );
    expect(p.attempts).toBe(3);
    expect([...p.codes]).toEqual([429]);
    expect(p.minWaitMs).toBe(2000);
    expect(p.maxWaitMs).toBe(8000);
    expect(retryPolicyFor(record({ 'com.openfaas.retry.attempts': '-1' }), defaults).attempts).toBe(5);
  });

  it('retries a platform 500 but not a function 500', () => {
    expect(isRetryable({ status: 500, platform: true }, defaults)).toBe(true);
    expect(isRetryable({ status: 500, platform: false }, defaults)).toBe(false);
    expect(isRetryable({ status: 503, platform: false }, defaults)).toBe(true);
    expect(isRetryable({ status: 400, platform: false }, defaults)).toBe(false);
  });

  it('retries a function 500 when the function lists 500 in its own retry codes', () => {
    const own = retryPolicyFor(record({ 'com.openfaas.retry.codes': '500,503' }), defaults);
    expect(isRetryable({ status: 500, platform: false }, own)).toBe(true);
    const without = retryPolicyFor(record({ 'com.openfaas.retry.codes': '503' }), defaults);
    expect(isRetryable({ status: 500, platform: true }, without)).toBe(false);
    expect(isRetryable({ status: 500, platform: false }, retryPolicyFor(record({}), defaults))).toBe(false);
  });

  it('backs off exponentially with jitter, capped, and honours Retry-After', () => {
    expect(backoffMs(1, defaults, undefined, () => 1)).toBe(1000);
    expect(backoffMs(1, defaults, undefined, () => 0)).toBe(500);
    expect(backoffMs(3, defaults, undefined, () => 1)).toBe(4000);
    expect(backoffMs(10, defaults, undefined, () => 1)).toBe(8000);
    expect(backoffMs(1, defaults, { status: 429, platform: false, headers: { 'Retry-After': '3' } })).toBe(3000);
    expect(backoffMs(1, defaults, { status: 429, platform: false, headers: { 'retry-after': '600' } })).toBe(8000);
    expect(retryAfterMs({ 'retry-after': new Date(Date.now() + 5000).toUTCString() })).toBeGreaterThan(3000);
  });
});
