import type { Readable } from 'node:stream';
import { NatsConnection, Subscription, createInbox, headers as natsHeaders } from 'nats';
import { INVOKE_HEADERS } from '@skiff/contracts/invoke-protocol';

const EMPTY = new Uint8Array(0);

/** A streamed body ended early; the message is the replica's reason. */
export class BodyStreamError extends Error {
  constructor(
    message: string,
    /** True when the stream timed out (the call's deadline passed). */
    readonly timedOut = false,
  ) {
    super(message);
    this.name = 'BodyStreamError';
  }
}

/** Serves `body` in chunks on a private inbox until `close()`; replicas pull it (`Skiff-Body-Pull`). */
export function serveBody(nc: NatsConnection, body: Uint8Array, chunk: number): { subject: string; close(): void } {
  const subject = createInbox();
  const sub: Subscription = nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err || !msg.reply) return;
      const seq = Number(msg.headers?.get(INVOKE_HEADERS.seq)) || 1;
      const start = (seq - 1) * chunk;
      const h = natsHeaders();
      h.set(INVOKE_HEADERS.seq, String(seq));
      if (start + chunk >= body.length) h.set(INVOKE_HEADERS.end, '1');
      msg.respond(body.subarray(start, start + chunk), { headers: h });
    },
  });
  return { subject, close: () => sub.unsubscribe() };
}

/**
 * Pulls chunk 1, 2, … from `subject` until the last one, each pull a NATS request bounded by the
 * deadline (ms since the epoch). Yields the data of every chunk; throws BodyStreamError when the
 * other side reports an error, stops answering or the deadline passes.
 */
export async function* pullChunks(nc: NatsConnection, subject: string, deadline: number): AsyncGenerator<Uint8Array> {
  for (let seq = 1; ; seq++) {
    const left = deadline - Date.now();
    if (left <= 0) throw new BodyStreamError('the deadline passed while streaming the body', true);
    const h = natsHeaders();
    h.set(INVOKE_HEADERS.seq, String(seq));
    let msg;
    try {
      msg = await nc.request(subject, EMPTY, { timeout: left, headers: h });
    } catch (err) {
      const timedOut = /timeout/i.test((err as Error).message);
      throw new BodyStreamError(timedOut ? 'the deadline passed while streaming the body' : `the body stream broke: ${(err as Error).message}`, timedOut);
    }
    if (msg.data.length) yield msg.data;
    if (msg.headers?.get(INVOKE_HEADERS.end) === '1') {
      const reason = msg.headers.get(INVOKE_HEADERS.error);
      if (reason) throw new BodyStreamError(reason);
      return;
    }
  }
}

/** Reads a pulled request body whole (at most `maxBytes`). */
export async function pullBody(nc: NatsConnection, subject: string, maxBytes: number, deadline: number): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of pullChunks(nc, subject, deadline)) {
    size += part.length;
    if (size > maxBytes) throw new BodyStreamError(`the request body is larger than ${maxBytes} bytes`);
    parts.push(part);
  }
  return Buffer.concat(parts, size);
}

/** Concatenates a body's first bytes and the rest of its stream, at most `maxBytes`. */
export async function collectBody(first: Uint8Array, more: AsyncIterable<Uint8Array> | undefined, maxBytes: number): Promise<Uint8Array> {
  if (!more) return first;
  const parts: Uint8Array[] = [first];
  let size = first.length;
  for await (const part of more) {
    size += part.length;
    if (size > maxBytes) throw new BodyStreamError(`the response body is larger than ${maxBytes} bytes`);
    parts.push(part);
  }
  return Buffer.concat(parts, size);
}

/**
 * Hands out a Readable's data in chunks of at most `max` bytes, one `next()` at a time: whatever is
 * buffered when asked, or the next data once it comes (so small writes such as SSE events travel
 * one by one). The source is read only when asked, so a slow reader slows the writer.
 */
export class ChunkReader {
  private rest?: Buffer;
  private ended = false;
  private failure?: Error;
  private wake?: () => void;

  constructor(
    private readonly source: Readable,
    private readonly max: number,
  ) {
    const poke = () => {
      const w = this.wake;
      this.wake = undefined;
      w?.();
    };
    source.on('readable', poke);
    source.on('end', () => ((this.ended = true), poke()));
    source.on('close', () => ((this.ended = true), poke()));
    source.on('error', (err) => ((this.failure = err), poke()));
  }

  /** The next chunk, or null at the end; rejects when the source failed. */
  async next(): Promise<Buffer | null> {
    for (;;) {
      let data: Buffer | null = this.rest ?? (this.source.read() as Buffer | null);
      this.rest = undefined;
      if (data !== null) {
        if (typeof data === 'string') data = Buffer.from(data);
        else if (!Buffer.isBuffer(data)) data = Buffer.from((data as Uint8Array).buffer, (data as Uint8Array).byteOffset, (data as Uint8Array).byteLength);
        if (data.length > this.max) {
          this.rest = data.subarray(this.max);
          data = data.subarray(0, this.max);
        }
        if (data.length) return data;
        continue;
      }
      // A destroyed source reports its error on the next tick: ask the stream, not only the event.
      const failure = this.failure ?? this.source.errored;
      if (failure) throw failure;
      if (this.ended || this.source.destroyed) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Data is available right now without waiting. */
  get ready(): boolean {
    return this.rest !== undefined || this.source.readableLength > 0;
  }
}
