import { functionTimeoutMs } from './function-timeout';

const env = (envVars?: Record<string, string>, annotations?: Record<string, string>) => ({ envVars, annotations });

describe('functionTimeoutMs', () => {
  const cap = 60_000;

  it('uses the cap when the function sets nothing', () => {
    expect(functionTimeoutMs(undefined, cap)).toBe(cap);
    expect(functionTimeoutMs(env({}), cap)).toBe(cap);
  });

  it('uses exec_timeout', () => {
    expect(functionTimeoutMs(env({ exec_timeout: '2s' }), cap)).toBe(2_000);
  });

  it('uses write_timeout in seconds', () => {
    expect(functionTimeoutMs(env({ write_timeout: '15' }), cap)).toBe(15_000);
  });

  it('takes the larger of the two so the watchdog can answer its own timeout', () => {
    expect(functionTimeoutMs(env({ exec_timeout: '10s', write_timeout: '15s' }), cap)).toBe(15_000);
  });

  it('caps at the upstream timeout', () => {
    expect(functionTimeoutMs(env({ exec_timeout: '5m' }), cap)).toBe(cap);
  });

  it('ignores zero and unreadable values', () => {
    expect(functionTimeoutMs(env({ exec_timeout: '0', write_timeout: 'forever' }), cap)).toBe(cap);
    expect(functionTimeoutMs(env({ exec_timeout: '0', write_timeout: '3s' }), cap)).toBe(3_000);
  });

  it('prefers the com.skiff.timeout annotation, capped too', () => {
    expect(functionTimeoutMs(env({ exec_timeout: '10s' }, { 'com.skiff.timeout': '3s' }), cap)).toBe(3_000);
    expect(functionTimeoutMs(env(undefined, { 'com.skiff.timeout': '10m' }), cap)).toBe(cap);
    expect(functionTimeoutMs(env({ exec_timeout: '10s' }, { 'com.skiff.timeout': 'soon' }), cap)).toBe(10_000);
  });
});
