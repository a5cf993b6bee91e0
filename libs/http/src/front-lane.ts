import { createRequire } from 'node:module';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** Serves a request on the raw server and returns true, or returns false to leave it to Fastify. */
export type FrontLane = (request: IncomingMessage, response: ServerResponse) => boolean;

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** Fastify's own parse of a Content-Type header (its route handling answers 415 when it is not valid). */
interface FastifyContentType {
  readonly isValid: boolean;
}
const { from: parseContentType } = (
  createRequire(require.resolve('fastify')) as (id: string) => { from(value: string): FastifyContentType }
)('./lib/content-type');

/** Methods Fastify hands to a route without a body, and those it reads a body for (its handleRequest). */
const BODYLESS = new Set(['GET', 'HEAD', 'TRACE']);
const BODY_WITH = new Set(['DELETE', 'OPTIONS', 'PATCH', 'PUT', 'POST']);

/**
 * Whether a request has a body as Fastify decides it for a route that takes every content type:
 * 'none' (the handler runs with no body: GET/HEAD/TRACE, or no type, length 0 and no chunking),
 * 'read', or 'fastify' when Fastify itself would answer (an invalid Content-Type is a 415, QUERY has
 * rules of its own, other methods never reach a route): a front lane leaves such requests to Fastify.
 */
export function fastifyBodyHandling(method: string | undefined, headers: IncomingHttpHeaders): 'none' | 'read' | 'fastify' {
  if (method === undefined) return 'fastify';
  if (BODYLESS.has(method)) return 'none';
  if (!BODY_WITH.has(method)) return 'fastify';
  const type = headers['content-type'];
  if (type === undefined) {
    const length = headers['content-length'];
    return headers['transfer-encoding'] === undefined && (length === undefined || length === '0') ? 'none' : 'read';
  }
  return parseContentType(type).isValid ? 'read' : 'fastify';
}

/**
 * Puts `lane` in front of Fastify on its HTTP server: every request goes to `lane` first, and to
 * Fastify's routing (rewriteUrl, router, hooks, routes) only when `lane` returns false. Once Fastify
 * starts closing, every request goes to Fastify (which answers 503 while it drains). The lane owns
 * the whole answer of what it takes, so it must make every check Fastify would have made on it, or
 * leave the request to Fastify. Call it before the app listens. Server options (timeouts, header
 * size, the connection cap) stay the server's and apply to both. (Servers Fastify adds when it
 * listens on `localhost`, one per address, keep Fastify's listener alone.)
 */
export function serveBeforeFastify(fastify: FastifyInstance, lane: FrontLane): void {
  const server = fastify.server as Server;
  const listeners = server.listeners('request') as RequestListener[];
  if (listeners.length !== 1) throw new Error(`expected Fastify's one request listener on its server, found ${listeners.length}`);
  const [viaFastify] = listeners;
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  server.removeListener('request', viaFastify);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (closing || !lane(request, response)) viaFastify(request, response);
  });
}
