import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

/** Called once with the body (a Buffer, the request stream itself, or undefined) or the error. */
export type BodyDone = (err: Error | null, body?: unknown) => void;

/** How a raw route takes request bodies. */
export interface BodyLimits {
  /** Largest body in bytes. */
  limit: number;
  /**
   * Bodies without a Content-Length, or announcing more than this many bytes, are not read: the
   * handler gets the request stream (see isStreamedBody) and reads it at its own pace. Without it
   * every body is read whole.
   */
  streamAbove?: number;
}

/** A Fastify-style error (code and status) the routes' error answers know. */
export function bodyError(code: string, statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { code, statusCode });
}

/** The announced Content-Length, or undefined when there is none (chunked). */
export function declaredLength(request: { headers: IncomingHttpHeaders }): number | undefined {
  const raw = request.headers['content-length'];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** True when `body` is the request stream a streamed route left unread. */
export function isStreamedBody(body: unknown): body is Readable {
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && typeof (body as Readable).pipe === 'function';
}

/** Reads a whole body of at most `limit` bytes (as Fastify's own buffer parser does). */
function readWhole(payload: Readable, declared: number | undefined, limit: number, done: BodyDone): void {
  const parts: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (err: Error | null, body?: Buffer) => {
    if (finished) return;
    finished = true;
    payload.removeListener('data', onData);
    done(err, body);
  };
  const onData = (part: Buffer) => {
    size += part.length;
    if (size > limit) return finish(bodyError('FST_ERR_CTP_BODY_TOO_LARGE', 413, 'Request body is too large'));
    parts.push(part);
  };
  payload.on('data', onData);
  payload.on('end', () => {
    if (declared !== undefined && size !== declared)
      return finish(bodyError('FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'Request body size did not match Content-Length'));
    finish(null, parts.length === 1 ? parts[0] : Buffer.concat(parts, size));
  });
  payload.on('error', (err: Error) => finish(err));
}

/**
 * Takes the body of a request that has one: an announced length over the limit is refused unread
 * (413), a large or chunked one is left in `payload` (streamAbove), anything else is read whole.
 */
export function takeBody(request: IncomingMessage, payload: Readable, limits: BodyLimits, done: BodyDone): void {
  const declared = declaredLength(request);
  if (declared !== undefined && declared > limits.limit)
    return done(bodyError('FST_ERR_CTP_BODY_TOO_LARGE', 413, 'Request body is too large'));
  const above = limits.streamAbove;
  if (above !== undefined && (declared === undefined || declared > above)) return done(null, payload);
  readWhole(payload, declared, limits.limit, done);
}
