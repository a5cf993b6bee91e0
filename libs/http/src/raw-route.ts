import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { BodyDone, takeBody } from './raw-body';

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

/**
 * Registers routes in their own encapsulated Fastify context: every content type is raw bytes (no
 * JSON parsing), read whole or (streamBodiesAbove) left to the handler, and errors go to the route's
 * own handler, not Nest's filter. Call it before the app listens (e.g. from onModuleInit).
 */
export function registerRawRoutes(fastify: FastifyInstance, routes: RawRoute[]): void {
  void fastify.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (request: FastifyRequest, payload: Readable, next: BodyDone) => {
      // (routeOptions is built anew on every read: read it once.)
      const { bodyLimit: limit, config } = request.routeOptions;
      takeBody(request.raw, payload, { limit, streamAbove: (config as RawRouteConfig).streamBodiesAbove }, next);
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
