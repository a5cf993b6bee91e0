import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkBasicAuth, isProtectedUrl } from './basic-auth';
import { BasicAuthCredentials, noteCancelCredentials, sendAuthChallenge } from './basic-auth.hook';
import { crossSiteProblem } from './cross-site';
import { HostPolicy } from './host-policy';
import { writeTypeProblem } from './json-writes';
import { ASYNC_ROUTE, routeNeedsAdmin } from './route-access';

/** What the gateway guard checks requests against. */
export interface GatewayGuardOptions {
  /** The admin login. */
  credentials: BasicAuthCredentials;
  /** Names accepted in Host. */
  hosts: HostPolicy;
  /** Origins besides the gateway's own that may drive the admin API (normalised, lower case). */
  allowedOrigins: ReadonlySet<string>;
}

const TEXT = 'text/plain; charset=utf-8';

/** True when this request must carry the admin credentials: decided on the route the router matched. */
function needsAdmin(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  // No route matched (a 404 is coming): admin-looking paths get the admin routes' answers, so probing
  // tells nothing; no handler runs either way.
  if (request.is404 || route === undefined) return isProtectedUrl(request.url);
  return routeNeedsAdmin(route);
}

function refuse(reply: FastifyReply, status: number, reason: string): void {
  void reply.code(status).type(TEXT).send(reason);
}

/**
 * The gateway's one global `onRequest` hook, installed on the root Fastify instance before any route
 * or plugin so that every Nest, raw and plugin route inherits it. In order:
 * 1. Host must be a name the gateway answers to (421; DNS rebinding).
 * 2. On the admin routes (every route but the public ones of route-access.ts, decided on the route the
 *    router matched, never on how the target is spelled): a cross-site request is refused (403, CSRF:
 *    a browser adds cached basic auth by itself), then the admin credentials are required (401), then
 *    a write must be JSON (415; bundles and topic messages keep their own type).
 * 3. A possible async cancel (`DELETE /async-function/*`) records whether it carried the credentials
 *    from a same-site client; its handler asks when the name turns out to be a call id.
 */
export function installGatewayGuard(fastify: FastifyInstance, options: GatewayGuardOptions): void {
  const { user, password } = options.credentials;
  fastify.addHook('onRequest', (request, reply, done) => {
    const hostProblem = options.hosts.problem(request.headers.host);
    if (hostProblem) return refuse(reply, 421, hostProblem);
    if (needsAdmin(request)) {
      const crossSite = crossSiteProblem(request.headers, options.allowedOrigins);
      if (crossSite) return refuse(reply, 403, crossSite);
      if (!checkBasicAuth(request.headers.authorization, user, password)) return sendAuthChallenge(reply);
      const typeProblem = writeTypeProblem(request.method, request.routeOptions.url, request.headers);
      if (typeProblem) return refuse(reply, 415, typeProblem);
      return done();
    }
    if (request.method === 'DELETE' && request.routeOptions.url === ASYNC_ROUTE) {
      const sameSite = crossSiteProblem(request.headers, options.allowedOrigins) === undefined;
      noteCancelCredentials(request, sameSite && checkBasicAuth(request.headers.authorization, user, password));
    }
    done();
  });
}
