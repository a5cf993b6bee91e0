import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';

/** A route served straight by Fastify, outside Nest's pipeline, with the body as raw bytes. */
export interface RawRoute {
  /** Fastify URL pattern, e.g. `/function/*`. */
  url: string;
  /** Methods; every method Fastify knows when omitted. */
  methods?: HTTPMethods[];
  /** Largest body in bytes. */
  bodyLimit: number;
  /**
   * Bodies without a Content-Length, or announcing more than this many bytes, are not read: the
   * handler gets the request stream as `request.body` (see isStreamedBody) and reads it at its own
   * pace. Without it every body is read whole.
   */
  streamBodiesAbove?: number;
  /** Serves one request; `request.body` is a Buffer, a stream (streamBodiesAbove), or undefined. */
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Answers errors raised before or outside the handler (body over the limit, aborted upload…). */
  onError: (error: Error & { code?: string; statusCode?: number }, request: FastifyRequest, reply: FastifyReply) => void;
}

/** What a raw route keeps in its Fastify route config. */
interface RawRouteConfig {
  streamBodiesAbove?: number;
}

type Done = (err: Error | null, body?: unknown) => void;

/** A Fastify-style error the routes' onError handlers know. */
function bodyError(code: string, statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { code, statusCode });
}

/** The announced Content-Length, or undefined when there is none (chunked). */
export function declaredLength(request: FastifyRequest): number | undefined {
  const raw = request.headers['content-length'];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** True when `body` is the request stream a streamBodiesAbove route left unread. */
export function isStreamedBody(body: unknown): body is Readable {
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && typeof (body as Readable).pipe === 'function';
}

/** Reads a whole body of at most `limit` bytes (as Fastify's own buffer parser does). */
function readWhole(payload: Readable, declared: number | undefined, limit: number, done: Done): void {
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
 * Registers routes in their own encapsulated Fastify context: every content type is raw bytes (no
 * JSON parsing), read whole or (streamBodiesAbove) left to the handler, and errors go to the route's
 * own handler, not Nest's filter. Call it before the app listens (e.g. from onModuleInit).
 */
export function registerRawRoutes(fastify: FastifyInstance, routes: RawRoute[]): void {
  void fastify.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (request: FastifyRequest, payload: Readable, next: Done) => {
      // (routeOptions is built anew on every read: read it once.)
      const { bodyLimit: limit, config } = request.routeOptions;
      const declared = declaredLength(request);
      if (declared !== undefined && declared > limit)
        return next(bodyError('FST_ERR_CTP_BODY_TOO_LARGE', 413, 'Request body is too large'));
      const above = (config as RawRouteConfig).streamBodiesAbove;
      if (above !== undefined && (declared === undefined || declared > above)) return next(null, payload);
      readWhole(payload, declared, limit, next);
    });
    for (const route of routes) {
      scope.register((inner, _o, registered) => {
        inner.setErrorHandler(route.onError);
        inner.route({
          method: route.methods ?? (scope.supportedMethods as HTTPMethods[]),
          url: route.url,
          bodyLimit: route.bodyLimit,
          config: { streamBodiesAbove: route.streamBodiesAbove } satisfies RawRouteConfig,
          handler: route.handler,
        });
        registered();
      });
    }
    done();
  });
}
