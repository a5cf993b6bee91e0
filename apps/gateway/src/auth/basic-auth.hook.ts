import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AUTH_FAILED_BODY, AUTH_REALM } from './basic-auth';

/**
 * `DELETE /async-function/<x>` is a cancel when `<x>` is a call id and an invocation when it is a
 * function: only the handler can tell, so the gateway guard records whether such a request carried
 * the admin credentials (from a same-site client) and the handler asks (hasAdminCredentials) once it
 * knows it is a cancel.
 */
const possibleCancels = new WeakMap<IncomingMessage, boolean>();

/** The admin user and password the gateway accepts. */
export interface BasicAuthCredentials {
  /** User name (`admin`). */
  user: string;
  /** Password. */
  password: string;
}

/** Records whether a possible cancel carried valid admin credentials (the gateway guard calls it). */
export function noteCancelCredentials(request: FastifyRequest, valid: boolean): void {
  possibleCancels.set(request.raw, valid);
}

/** True when a `DELETE /async-function/…` request carried the admin credentials (checked by the guard). */
export function hasAdminCredentials(request: FastifyRequest): boolean {
  return possibleCancels.get(request.raw) === true;
}

/** The 401 of a request without the admin credentials (as OpenFaaS sends it). */
export function sendAuthChallenge(reply: FastifyReply): void {
  void reply.code(401).header('www-authenticate', `Basic realm="${AUTH_REALM}"`).type('text/plain; charset=utf-8').send(AUTH_FAILED_BODY);
}
