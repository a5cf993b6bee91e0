import { FunctionLogSink, FunctionStream } from './function-log.sink';
import { RecentLinesSink } from './recent-lines.sink';

function collector(): FunctionLogSink & { got: Array<[FunctionStream, string]> } {
  const got: Array<[FunctionStream, string]> = [];
  return { got, line: (stream, text) => got.push([stream, text]) };
}

describe('RecentLinesSink', () => {
  it('replays the last lines oldest first, once', () => {
    const recent = new RecentLinesSink(3);
    ['one', 'two', 'three', 'four', 'five'].forEach((t, i) => recent.line(i % 2 ? 'stderr' : 'stdout', t));
    const out = collector();
    expect(recent.replay(out)).toBe(3);
    expect(out.got).toEqual([
      ['stdout', 'three'],
      ['stderr', 'four'],
      ['stdout', 'five'],
    ]);
    expect(recent.replay(collector())).toBe(0);
  });

  it('replays fewer lines than it can hold in order, and cuts a long line', () => {
    const recent = new RecentLinesSink(5);
    recent.line('stdout', 'a');
    recent.line('stderr', 'x'.repeat(10_000));
    const out = collector();
    recent.replay(out);
    expect(out.got[0]).toEqual(['stdout', 'a']);
    expect(out.got[1][1]).toHaveLength(4097);
  });
});
