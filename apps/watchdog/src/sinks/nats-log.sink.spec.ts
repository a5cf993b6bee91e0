import { NatsLogSink } from './nats-log.sink';

describe('NatsLogSink', () => {
  it('holds lines until NATS is attached and drops (and counts) what does not fit', async () => {
    const reports: number[] = [];
    const sink = new NatsLogSink('faas.logs.ns.fn.i', 2, (n) => reports.push(n));
    sink.line('stdout', 'one');
    sink.line('stderr', 'two');
    sink.line('stdout', 'three');
    expect(sink.droppedTotal).toBe(1);
    await sink.close(0);
    expect(reports).toEqual([1]);
  });

  it('never throws nor blocks once closed', async () => {
    const sink = new NatsLogSink('faas.logs.ns.fn.i', 1, () => undefined);
    await sink.close(0);
    expect(() => sink.line('stdout', 'late')).not.toThrow();
  });
});
