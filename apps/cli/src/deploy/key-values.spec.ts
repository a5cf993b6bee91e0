import { durationMs, headerValues, keyValues } from './key-values';

describe('flag parsing', () => {
  it('reads KEY=VALUE lists, later wins, values may hold =', () => {
    expect(keyValues(['a=1', 'b=x=y', 'a=2'], '--env')).toEqual({ a: '2', b: 'x=y' });
    expect(() => keyValues(['nope'], '--env')).toThrow('--env nope must be KEY=VALUE');
  });

  it('reads headers in curl and KEY=VALUE form', () => {
    expect(headerValues(['X-A: 1', 'X-B=2', 'X-C:3'])).toEqual({ 'X-A': '1', 'X-B': '2', 'X-C': '3' });
    expect(() => headerValues(['bad header'])).toThrow(/Name: value/);
  });

  it('reads Go durations and seconds', () => {
    expect(durationMs('1m30s', '--t')).toBe(90_000);
    expect(durationMs('500ms', '--t')).toBe(500);
    expect(durationMs('2', '--t')).toBe(2000);
    expect(() => durationMs('soon', '--t')).toThrow(/not a duration/);
  });
});
