import { decodeLogBatch, encodeLogBatch } from './log-lines';

describe('log line batches', () => {
  it('round-trip lines in order, newlines and all', () => {
    const lines = [
      { time: '2026-01-01T00:00:00.000Z', stream: 'stdout', text: 'a' },
      { time: '2026-01-01T00:00:00.001Z', stream: 'stderr', text: 'Error: x\n    at y' },
    ];
    expect(decodeLogBatch(encodeLogBatch(lines), 'f')).toEqual(lines);
  });

  it('read data that is no batch as one line', () => {
    expect(decodeLogBatch('not json', 'T')).toEqual([{ time: 'T', stream: 'stdout', text: 'not json' }]);
  });
});
