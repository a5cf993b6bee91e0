import type { IncomingMessage, ServerResponse } from 'node:http';
import { FrontLane, fastifyBodyHandling, takeBody } from '@skiff/http';
import type { HostPolicy } from '../auth/host-policy';
import type { InvokeHandler, RouteError } from './invoke.handler';

const PREFIX = '/function/';

/** True when the path (the target before `?`) has a `%`: Fastify's router decodes it, and answers 400 when it cannot. */
function encodedPath(url: string): boolean {
  const percent = url.indexOf('%', PREFIX.length);
  if (percent < 0) return false;
  const query = url.indexOf('?', PREFIX.length);
  return query < 0 || percent < query;
}

/**
 * The sync invoke route served on the raw server before Fastify (issue #15: Fastify's routing, hooks
 * and reply cost a call more CPU than the call itself). It takes only the requests Fastify would have
 * routed to `/function/*` and let through unanswered, and leaves every other one to Fastify, which
 * answers it as before (with the same handler when it gets that far):
 * - an origin-form target starting with `/function/` and no `%` before the query (absolute-form and
 *   other targets need rewriteUrl; an encoded path needs the router's decoding, or its 400);
 * - a Host the gateway answers to: on the public `/function/*` route this is the only check of the
 *   gateway guard (gateway-guard.ts); a refused Host gets the guard's 421;
 * - a method Fastify routes there with a body it would read (fastifyBodyHandling): an invalid
 *   Content-Type (415), QUERY and methods it does not route stay Fastify's.
 * The body is taken as the Fastify route's parser takes it (takeBody): an error there is answered
 * as its error handler answers it, and ends the connection as Fastify does.
 */
export function invokeFastLane(handler: InvokeHandler, hosts: HostPolicy): FrontLane {
  const limits = { limit: handler.bodyLimit.bytes, streamAbove: handler.inlineMax };
  const serve = (request: IncomingMessage, response: ServerResponse, body: unknown) => void handler.serve(request, response, body);
  return (request, response) => {
    const url = request.url;
    if (url === undefined || !url.startsWith(PREFIX) || encodedPath(url)) return false;
    if (hosts.problem(request.headers.host) !== undefined) return false;
    const body = fastifyBodyHandling(request.method, request.headers);
    if (body === 'fastify') return false;
    if (body === 'none') serve(request, response, undefined);
    else
      takeBody(request, request, limits, (err, taken) =>
        err ? handler.answerError(err as RouteError, response, true) : serve(request, response, taken),
      );
    return true;
  };
}
