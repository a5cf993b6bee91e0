import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AUTH_FAILED_BODY, AUTH_REALM, checkBasicAuth, isProtectedUrl, routedPath } from './basic-auth';

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

/**
 * One global `onRequest` hook on the root Fastify instance, keyed on the path prefix: every
 * `/system/*`, `/ui/*` and `/async-function/status/*` request (Nest routes, raw routes, and
 * unmatched paths alike) needs the admin credentials, and so does cancelling an async call
 * (`DELETE /async-function/<call-id>`, enforced by its handler through hasAdminCredentials). Install it before any
 * route or plugin is registered so that every encapsulated context inherits it.
 */
export function installBasicAuth(fastify: FastifyInstance, credentials: BasicAuthCredentials): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.method === 'DELETE' && routedPath(request.url)?.toLowerCase().startsWith('/async-function/')) {
      possibleCancels.set(request.raw, checkBasicAuth(request.headers.authorization, credentials.user, credentials.password));
    }
    if (!isProtectedUrl(request.url) || checkBasicAuth(request.headers.authorization, credentials.user, credentials.password)) {
      done();
      return;
    }
    sendAuthChallenge(reply);
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
