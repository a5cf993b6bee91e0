import type { NatsConnection } from 'nats';
import { LOG_HEADERS, decodeLogBatch } from '@skiff/contracts/log-lines';
import { NatsLogSink } from './nats-log.sink';

/** A NATS connection whose JetStream records each publish and acks it at once. */
function recordingNats(): { nc: NatsConnection; published: Array<{ subject: string; data: string; headers: Map<string, string> }> } {
  const published: Array<{ subject: string; data: string; headers: Map<string, string> }> = [];
  const js = {
    publish: (subject: string, data: string, opts: { headers: { keys(): string[]; get(k: string): string } }) => {
      const headers = new Map(opts.headers.keys().map((k) => [k, opts.headers.get(k)]));
      published.push({ subject, data, headers });
      return Promise.resolve({});
    },
  };
  return { nc: { jetstream: () => js } as unknown as NatsConnection, published };
}

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

  it('ships the lines written together as one message, in order (one JetStream write per flush, not per line)', async () => {
    const { nc, published } = recordingNats();
    const sink = new NatsLogSink('faas.logs.ns.fn.i', 100, () => undefined);
    sink.attach(nc);
    sink.line('stdout', 'one');
    sink.line('stderr', 'two\nwith a newline');
    sink.line('stdout', 'three');
    await sink.close(1000);
    expect(published).toHaveLength(1);
    expect(published[0].subject).toBe('faas.logs.ns.fn.i');
    expect(published[0].headers.get(LOG_HEADERS.batch)).toBe('1');
    const lines = decodeLogBatch(published[0].data, 'fallback');
    expect(lines.map((l) => [l.stream, l.text])).toEqual([
      ['stdout', 'one'],
      ['stderr', 'two\nwith a newline'],
      ['stdout', 'three'],
    ]);
    expect(lines.every((l) => !Number.isNaN(Date.parse(l.time)))).toBe(true);
  });

  it('sends a line written alone as a plain single-line message', async () => {
    const { nc, published } = recordingNats();
    const sink = new NatsLogSink('faas.logs.ns.fn.i', 100, () => undefined);
    sink.attach(nc);
    sink.line('stderr', 'alone');
    await sink.close(1000);
    expect(published).toHaveLength(1);
    expect(published[0].data).toBe('alone');
    expect(published[0].headers.get(LOG_HEADERS.stream)).toBe('stderr');
    expect(published[0].headers.has(LOG_HEADERS.batch)).toBe(false);
  });
});
