import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AuthThrottle, clientKey } from './auth-throttle';
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
  /** Failed logins per client address. */
  throttle: AuthThrottle;
}

/** The outcome of a login attempt. */
type Login = 'ok' | 'missing' | 'wrong' | 'blocked';

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

/** 429 to an address that failed to log in too often (nothing was checked). */
function refuseBlocked(reply: FastifyReply, ms: number): void {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  void reply.header('retry-after', String(seconds));
  refuse(reply, 429, `too many failed logins from this address: try again in ${seconds} s`);
}

/**
 * The gateway's one global `onRequest` hook, installed on the root Fastify instance before any route
 * or plugin so that every Nest, raw and plugin route inherits it. In order:
 * 1. Host must be a name the gateway answers to (421; DNS rebinding).
 * 2. On the admin routes (every route but the public ones of route-access.ts, decided on the route the
 *    router matched, never on how the target is spelled): a cross-site request is refused (403, CSRF:
 *    a browser adds cached basic auth by itself), then the admin credentials are required (401; an
 *    address with too many failed logins gets 429 and Retry-After without a check, AuthThrottle),
 *    then a write must be JSON (415; bundles and topic messages keep their own type).
 * 3. A possible async cancel (`DELETE /async-function/*`) records whether it carried the credentials
 *    from a same-site client; its handler asks when the name turns out to be a call id.
 */
export function installGatewayGuard(fastify: FastifyInstance, options: GatewayGuardOptions): void {
  const { user, password } = options.credentials;
  const { throttle } = options;
  /** Checks the credentials, unless the address is blocked; counts the outcome per address. */
  const login = (request: FastifyRequest): { outcome: Login; blockedMs: number } => {
    const header = request.headers.authorization;
    if (!header) return { outcome: 'missing', blockedMs: 0 };
    const key = clientKey(request.ip);
    const blockedMs = throttle.blockedFor(key);
    if (blockedMs > 0) return { outcome: 'blocked', blockedMs };
    if (checkBasicAuth(header, user, password)) {
      throttle.succeeded(key);
      return { outcome: 'ok', blockedMs: 0 };
    }
    throttle.failed(key);
    return { outcome: 'wrong', blockedMs: 0 };
  };
  fastify.addHook('onRequest', (request, reply, done) => {
    const hostProblem = options.hosts.problem(request.headers.host);
    if (hostProblem) return refuse(reply, 421, hostProblem);
    if (needsAdmin(request)) {
      const crossSite = crossSiteProblem(request.headers, options.allowedOrigins);
      if (crossSite) return refuse(reply, 403, crossSite);
      const { outcome, blockedMs } = login(request);
      if (outcome === 'blocked') return refuseBlocked(reply, blockedMs);
      if (outcome !== 'ok') return sendAuthChallenge(reply);
      const typeProblem = writeTypeProblem(request.method, request.routeOptions.url, request.headers);
      if (typeProblem) return refuse(reply, 415, typeProblem);
      return done();
    }
    if (request.method === 'DELETE' && request.routeOptions.url === ASYNC_ROUTE) {
      const sameSite = crossSiteProblem(request.headers, options.allowedOrigins) === undefined;
      const { outcome, blockedMs } = sameSite ? login(request) : { outcome: 'missing' as Login, blockedMs: 0 };
      // Only a cancel needs the credentials, but a blocked address gets no answer on them either way.
      if (outcome === 'blocked') return refuseBlocked(reply, blockedMs);
      noteCancelCredentials(request, outcome === 'ok');
    }
    done();
  });
}
