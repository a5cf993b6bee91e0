import type { Readable } from 'node:stream';
import { Msg, NatsConnection, Subscription, headers as natsHeaders } from 'nats';
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

/** Serves `body` in chunks on `subject` (see SubjectRegistry.bodyPull) until `close()`; replicas pull it (`Skiff-Body-Pull`). */
export function serveBody(nc: NatsConnection, body: Uint8Array, chunk: number, subject: string): { subject: string; close(): void } {
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

/** A request body read from a stream (the HTTP request) only as the replica pulls it. */
export interface StreamedBody {
  /** Where the bytes come from; read only while a pull waits. */
  source: Readable;
  /** Declared size (Content-Length) when known. */
  size?: number;
  /** Largest body accepted: beyond it the stream ends with an error and `tooLarge` is set. */
  maxBytes: number;
  /** Set once the body turned out larger than `maxBytes`. */
  tooLarge?: boolean;
}

/** The last chunk of a stream that ended early, with the reason. */
function endWith(msg: Msg, seq: number, data: Uint8Array, reason?: string): void {
  const h = natsHeaders();
  h.set(INVOKE_HEADERS.seq, String(seq));
  h.set(INVOKE_HEADERS.end, '1');
  if (reason) h.set(INVOKE_HEADERS.error, reason);
  msg.respond(data, { headers: h });
}

/**
 * Serves a streamed body on `subject` the way serveBody serves a buffer, reading `body.source` only
 * while a pull waits: each pull gets the next `chunk` bytes (or fewer at the end), so a slow or stalled
 * client holds at most one chunk in memory and a replica that stops pulling stops the reading (the
 * socket's backpressure reaches the client). Pulls come one at a time, in order; a body over
 * `maxBytes`, a client that goes away before the whole body arrived, or an out-of-order pull ends the
 * stream with `Skiff-Error`.
 */
export function serveStream(nc: NatsConnection, body: StreamedBody, chunk: number, subject: string): { subject: string; close(): void } {
  const reader = new ChunkReader(body.source, chunk);
  let served = 0;
  let last = 0;
  let busy = false;
  let over = false;
  const answer = async (msg: Msg): Promise<void> => {
    const seq = Number(msg.headers?.get(INVOKE_HEADERS.seq)) || 1;
    if (over || busy || seq !== last + 1)
      return endWith(msg, seq, EMPTY, over ? 'the body stream is over' : `pulls must ask for chunk ${last + 1}, one at a time`);
    busy = true;
    last = seq;
    const parts: Buffer[] = [];
    let size = 0;
    try {
      for (;;) {
        const part = await reader.next(chunk - size);
        if (part === null) break;
        parts.push(part);
        size += part.length;
        if (served + size > body.maxBytes) {
          body.tooLarge = true;
          over = true;
          return endWith(msg, seq, EMPTY, `the request body is larger than ${body.maxBytes} bytes`);
        }
        if (size >= chunk) break;
      }
    } catch (err) {
      over = true;
      return endWith(msg, seq, EMPTY, `the request body broke off: ${(err as Error).message}`);
    } finally {
      busy = false;
    }
    served += size;
    const data = parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
    if (size === chunk && !reader.ended) {
      const h = natsHeaders();
      h.set(INVOKE_HEADERS.seq, String(seq));
      msg.respond(data, { headers: h });
      return;
    }
    over = true;
    // The source ended: completely, or because the client went away (Node's request then never ends).
    if (!body.source.readableEnded) return endWith(msg, seq, EMPTY, 'the client went away before the whole body arrived');
    if (body.size !== undefined && served !== body.size)
      return endWith(msg, seq, EMPTY, `the body had ${served} bytes, not the ${body.size} announced`);
    endWith(msg, seq, data);
  };
  const sub: Subscription = nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err || !msg.reply) return;
      answer(msg).catch(() => undefined);
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
      throw new BodyStreamError(
        timedOut ? 'the deadline passed while streaming the body' : `the body stream broke: ${(err as Error).message}`,
        timedOut,
      );
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
  private sourceDone = false;
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
    source.on('end', () => ((this.sourceDone = true), poke()));
    source.on('close', () => ((this.sourceDone = true), poke()));
    source.on('error', (err) => ((this.failure = err), poke()));
  }

  /** The next chunk (at most `max` bytes), or null at the end; rejects when the source failed. */
  async next(max = this.max): Promise<Buffer | null> {
    for (;;) {
      let data: Buffer | null = this.rest ?? (this.source.read() as Buffer | null);
      this.rest = undefined;
      if (data !== null) {
        if (typeof data === 'string') data = Buffer.from(data);
        else if (!Buffer.isBuffer(data))
          data = Buffer.from((data as Uint8Array).buffer, (data as Uint8Array).byteOffset, (data as Uint8Array).byteLength);
        if (data.length > max) {
          this.rest = data.subarray(max);
          data = data.subarray(0, max);
        }
        if (data.length) return data;
        continue;
      }
      // A destroyed source reports its error on the next tick: ask the stream, not only the event.
      const failure = this.failure ?? this.source.errored;
      if (failure) throw failure;
      if (this.sourceDone || this.source.destroyed) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** True once the source is over (ended, closed or destroyed) and nothing is left to hand out. */
  get ended(): boolean {
    return this.rest === undefined && this.source.readableLength === 0 && (this.sourceDone || this.source.destroyed);
  }

  /** Data is available right now without waiting. */
  get ready(): boolean {
    return this.rest !== undefined || this.source.readableLength > 0;
  }
}
