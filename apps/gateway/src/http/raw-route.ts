import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';

/** A route served straight by Fastify, outside Nest's pipeline, with the body as a raw Buffer. */
export interface RawRoute {
  /** Fastify URL pattern, e.g. `/function/*`. */
  url: string;
  /** Methods; every method Fastify knows when omitted. */
  methods?: HTTPMethods[];
  /** Largest body in bytes. */
  bodyLimit: number;
  /** Serves one request; `request.body` is a Buffer or undefined. */
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Answers errors raised before or outside the handler (body over the limit, aborted upload…). */
  onError: (error: Error & { code?: string; statusCode?: number }, request: FastifyRequest, reply: FastifyReply) => void;
}

/**
 * Registers routes in their own encapsulated Fastify context: every content type is read as a raw
 * Buffer (no JSON parsing) and errors go to the route's own handler, not Nest's filter.
 * Call it before the app listens (e.g. from onModuleInit).
 */
export function registerRawRoutes(fastify: FastifyInstance, routes: RawRoute[]): void {
  void fastify.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, next) => next(null, body));
    for (const route of routes) {
      scope.register((inner, _o, registered) => {
        inner.setErrorHandler(route.onError);
        inner.route({
          method: route.methods ?? (scope.supportedMethods as HTTPMethods[]),
          url: route.url,
          bodyLimit: route.bodyLimit,
          handler: route.handler,
        });
        registered();
      });
    }
    done();
  });
}
