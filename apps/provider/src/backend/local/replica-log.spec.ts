import { relogLine } from './replica-log';
import { lineSplitter, MAX_LINE } from './process-launcher';

describe('relogLine', () => {
  const logger = () => ({ debug: jest.fn(), verbose: jest.fn(), log: jest.fn(), warn: jest.fn(), error: jest.fn(), fatal: jest.fn() });

  it('keeps the level and fields of a JSON log line and tags it with the replica', () => {
    const l = logger();
    relogLine(l, 'echo.openfaas-fn', 'echo-abc123', 'stdout', JSON.stringify({ level: 50, time: 1, pid: 9, msg: 'bad', callId: 'c1' }));
    expect(l.error).toHaveBeenCalledWith({ function: 'echo.openfaas-fn', replica: 'echo-abc123', callId: 'c1', msg: 'bad' });
    relogLine(l, 'f', 'r', 'stdout', JSON.stringify({ level: 'warn', msg: 'w' }));
    expect(l.warn).toHaveBeenCalledWith({ function: 'f', replica: 'r', msg: 'w' });
  });

  it('logs plain text as info (stdout) or warn (stderr)', () => {
    const l = logger();
    relogLine(l, 'f', 'r', 'stdout', 'hello');
    relogLine(l, 'f', 'r', 'stderr', '{not json');
    expect(l.log).toHaveBeenCalledWith({ function: 'f', replica: 'r', stream: 'stdout', msg: 'hello' });
    expect(l.warn).toHaveBeenCalledWith({ function: 'f', replica: 'r', stream: 'stderr', msg: '{not json' });
  });
});

describe('lineSplitter', () => {
  it('splits chunks into lines, strips CR, flushes the rest at the end', () => {
    const lines: string[] = [];
    const s = lineSplitter((l) => lines.push(l));
    s.push('a\r\nb');
    s.push('c\nd');
    s.end();
    expect(lines).toEqual(['a', 'bc', 'd']);
  });

  it('cuts over-long lines', () => {
    const lines: string[] = [];
    const s = lineSplitter((l) => lines.push(l));
    s.push('x'.repeat(MAX_LINE + 10));
    s.push('\n');
    expect(lines[0]).toHaveLength(MAX_LINE);
  });
});
