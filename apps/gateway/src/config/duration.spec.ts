import { parseDurationMs } from './duration';

describe('parseDurationMs', () => {
  it.each([
    ['60', 60_000],
    ['1.5', 1_500],
    ['0', 0],
    ['1m5s', 65_000],
    ['1m05s', 65_000],
    ['500ms', 500],
    ['2h45m', 9_900_000],
    ['1.5s', 1_500],
    ['250us', 0],
    [' 10s ', 10_000],
  ])('reads %p as %p ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', undefined, 'abc', '-5s', '5 s', '10d', 's', '1m5', '1e3'])('rejects %p', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });
});
