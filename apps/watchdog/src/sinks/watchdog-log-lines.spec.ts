import { classicWrote, humanSize, ofWatchdogForking, ofWatchdogRequest } from './watchdog-log-lines';

describe('the OpenFaaS watchdog lines', () => {
  it.each([
    [0, '0B'],
    [335, '335B'],
    [999, '999B'],
    [1000, '1kB'],
    [1500, '1.5kB'],
    [12_345_678, '12.35MB'],
    [-1, '-1B'],
  ])('humanSize(%d) is %s (go-units)', (bytes, shown) => expect(humanSize(bytes)).toBe(shown));

  it('classic: Wrote N Bytes with Go %f seconds', () => {
    expect(classicWrote(132, 0.0123)).toBe('Wrote 132 Bytes - Duration: 0.012300 seconds');
  });

  it('of-watchdog: the forking line and the request line, with and without the status text', () => {
    expect(ofWatchdogForking('node', ['index.js'])).toBe('Forking - node [index.js]');
    expect(ofWatchdogRequest('POST', '/a?b=c', 200, 335, 4.87912, true)).toBe('POST /a?b=c - 200 OK - ContentLength: 335B (4.8791s)');
    expect(ofWatchdogRequest('GET', '/', 500, 1500, 0.1)).toBe('GET / - 500 - ContentLength: 1.5kB (0.1000s)');
  });
});
