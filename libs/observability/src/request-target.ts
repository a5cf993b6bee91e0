/** What target rewriting needs of a raw request (Node's IncomingMessage, or HTTP/2's). */
interface RawRequest {
  url?: string;
  headers: { host?: string };
}

/** A request target made origin-form, or the reason it is refused. */
export type NormalisedTarget = { url: string; host?: string } | { problem: string };

/** `http://` or `https://` (any case), then the authority, then the rest. */
const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)(.*)$/is;

/**
 * The request target as every later step must see it (RFC 9112 §3.2): origin-form (`/path?query`)
 * stays as it is; absolute-form (`http://host/path?query`, which only proxies are sent, but servers must
 * accept) becomes origin-form plus the host it names, which replaces the Host header (§3.2.2). Anything
 * else (asterisk-form, authority-form, other schemes, a relative path, user info) is refused. Without
 * this, the router (find-my-way strips `http(s)://host`) and code reading the raw URL disagree on the path.
 */
export function normaliseRequestTarget(target: string): NormalisedTarget {
  if (target.charCodeAt(0) === 47 /* / */) return { url: target };
  const absolute = ABSOLUTE_FORM.exec(target);
  if (!absolute) {
    return { problem: `request target "${preview(target)}" is neither a path starting with "/" nor an absolute http(s) URL` };
  }
  const [, authority, rest] = absolute;
  if (!authority) return { problem: `request target "${preview(target)}" names no host` };
  if (authority.includes('@'))
    return { problem: `request target "${preview(target)}" carries user info: send credentials in the Authorization header` };
  if (rest.startsWith('#')) return { problem: `request target "${preview(target)}" carries a fragment` };
  return { url: rest.startsWith('/') ? rest : `/${rest}`, host: authority };
}

function preview(target: string): string {
  return target.length > 100 ? `${target.slice(0, 100)}…` : target;
}

/** Requests whose target was refused, with the reason (answered 400 by the first onRequest hook). */
const refused = new WeakMap<object, string>();

/** Never matched by a route: where a refused target is sent until the hook answers it. */
const REFUSED_PATH = '/.refused-request-target';

/**
 * Fastify's `rewriteUrl`: makes every request target origin-form before routing (an absolute-form
 * target's host replaces the Host header); a target that cannot be made so is remembered and routed
 * nowhere, and `refusedTarget` gives the reason.
 */
export function rewriteRequestTarget(req: RawRequest): string {
  const target = normaliseRequestTarget(req.url ?? '');
  if ('problem' in target) {
    refused.set(req, target.problem);
    return REFUSED_PATH;
  }
  if (target.host !== undefined) req.headers.host = target.host;
  return target.url;
}

/** Why this request's target was refused, or undefined when it was fine. */
export function refusedTarget(req: object): string | undefined {
  return refused.get(req);
}
