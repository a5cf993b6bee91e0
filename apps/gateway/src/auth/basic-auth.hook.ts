import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AUTH_FAILED_BODY, AUTH_REALM, checkBasicAuth, isProtectedUrl } from './basic-auth';
import { ASYNC_ROUTE, routeNeedsAdmin } from './route-access';

/**
 * `DELETE /async-function/<x>` is a cancel when `<x>` is a call id and an invocation when it is a
 * function: only the handler can tell, so the hook records whether such a request carried the admin
 * credentials and the handler asks (hasAdminCredentials) once it knows it is a cancel.
 */
const possibleCancels = new WeakMap<IncomingMessage, boolean>();

/** The admin user and password the gateway accepts. */
export interface BasicAuthCredentials {
  /** User name (`admin`). */
  user: string;
  /** Password. */
  password: string;
}

/** True when this request must carry the admin credentials: decided on the route the router matched. */
function needsAdmin(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  // No route matched (a 404 is coming): admin-looking paths get the admin routes' 401, so probing
  // tells nothing; no handler runs either way.
  if (request.is404 || route === undefined) return isProtectedUrl(request.url);
  return routeNeedsAdmin(route);
}

/**
 * One global `onRequest` hook on the root Fastify instance. It decides on the route the router
 * matched (`request.routeOptions.url`), never on the request target's spelling: every route except
 * the public ones (route-access.ts) needs the admin credentials, Nest routes, raw routes and plugin
 * routes alike, and so does cancelling an async call (`DELETE /async-function/<call-id>`, enforced by
 * its handler through hasAdminCredentials). Install it before any route or plugin is registered so
 * that every encapsulated context inherits it.
 */
export function installBasicAuth(fastify: FastifyInstance, credentials: BasicAuthCredentials): void {
  const valid = (request: FastifyRequest) => checkBasicAuth(request.headers.authorization, credentials.user, credentials.password);
  fastify.addHook('onRequest', (request, reply, done) => {
    if (needsAdmin(request)) {
      if (valid(request)) return done();
      return sendAuthChallenge(reply);
    }
    if (request.method === 'DELETE' && request.routeOptions.url === ASYNC_ROUTE) possibleCancels.set(request.raw, valid(request));
    done();
  });
}

/** True when a `DELETE /async-function/…` request carried the admin credentials (checked by the hook). */
export function hasAdminCredentials(request: FastifyRequest): boolean {
  return possibleCancels.get(request.raw) === true;
}

/** The 401 of a request without the admin credentials (as OpenFaaS sends it). */
export function sendAuthChallenge(reply: FastifyReply): void {
  void reply.code(401).header('www-authenticate', `Basic realm="${AUTH_REALM}"`).type('text/plain; charset=utf-8').send(AUTH_FAILED_BODY);
}
