import { parseDurationMs } from './duration';

describe('parseDurationMs (the one duration grammar of every service)', () => {
  // Each of these was read differently by two of the four parsers this one replaced:
  // `1.5` was 1.5 s at the gateway but fatal in the watchdog; `.5s` and `1.s` (valid Go) were read by
  // the watchdog but rejected by the gateway and the scaler; `μs` (Greek mu) was a unit everywhere but
  // the watchdog; `1us` was rejected by the CLI.
  it.each([
    ['1.5', 1_500],
    ['.5s', 500],
    ['1.s', 1_000],
    ['1500μs', 2],
    ['1500µs', 2],
    ['2000us', 2],
  ])("reads %p as %p ms (a value today's parsers disagreed on)", (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each([
    ['60', 60_000],
    ['0', 0],
    ['1m5s', 65_000],
    ['1m05s', 65_000],
    ['500ms', 500],
    ['2h45m', 9_900_000],
    ['1.5h', 5_400_000],
    ['1.5s', 1_500],
    ['250us', 0],
    ['1000000ns', 1],
    [' 10s ', 10_000],
  ])('reads %p as %p ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each(['', ' ', undefined, 'abc', '-5s', '-1', '+5s', '5 s', '10d', 's', '.', '.s', '1m5', '1e3', '5sx', '1.5.5s'])(
    'rejects %p',
    (text) => expect(parseDurationMs(text)).toBeUndefined(),
  );
});
