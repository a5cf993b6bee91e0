import type { FastifyInstance } from 'fastify';
import { AUTH_FAILED_BODY, AUTH_REALM, checkBasicAuth, isProtectedUrl } from './basic-auth';

/** The admin user and password the gateway accepts. */
export interface BasicAuthCredentials {
  /** User name (`admin`). */
  user: string;
  /** Password. */
  password: string;
}

/**
 * One global `onRequest` hook on the root Fastify instance, keyed on the path prefix: every
 * `/system/*`, `/ui/*` and `/async-function/status/*` request (Nest routes, raw routes, and
 * unmatched paths alike) needs the admin credentials; nothing else does. Install it before any
 * route or plugin is registered so that every encapsulated context inherits it.
 */
export function installBasicAuth(fastify: FastifyInstance, credentials: BasicAuthCredentials): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!isProtectedUrl(request.url) || checkBasicAuth(request.headers.authorization, credentials.user, credentials.password)) {
      done();
      return;
    }
    void reply
      .code(401)
      .header('www-authenticate', `Basic realm="${AUTH_REALM}"`)
      .type('text/plain; charset=utf-8')
      .send(AUTH_FAILED_BODY);
  });
}
