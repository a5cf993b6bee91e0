import { createHash, timingSafeEqual } from 'node:crypto';

/** Realm of the 401 challenge, as the OpenFaaS gateway sends it. */
export const AUTH_REALM = 'Restricted';

/** Body of every 401, as in OpenFaaS. */
export const AUTH_FAILED_BODY = 'invalid credentials';

/**
 * Path prefixes of the admin routes (a trailing `/` matches the bare path too). Only for requests that
 * match no route: a matched request is decided on its route (route-access.ts).
 */
export const PROTECTED_PREFIXES = ['/system/', '/ui/', '/async-function/status/'] as const;

/** The path of a request URL, lenient: query dropped, percent-decoded, slashes collapsed, backslashes as slashes. */
export function routedPath(url: string): string | undefined {
  const path = url.split('?', 1)[0].split('#', 1)[0];
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  return decoded.replace(/\\/g, '/').replace(/\/{2,}/g, '/');
}

/**
 * True when a URL that matched no route looks like an admin path, so it gets the 401 an admin route
 * would give (nothing about which admin paths exist leaks); an undecodable path does, to be safe.
 */
export function isProtectedUrl(url: string): boolean {
  const path = routedPath(url);
  if (path === undefined) return true;
  const lower = path.toLowerCase();
  return PROTECTED_PREFIXES.some((prefix) => lower.startsWith(prefix) || lower === prefix.slice(0, -1));
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Checks an `Authorization` header against the credentials. User and password are both compared,
 * in constant time (over digests, so lengths leak nothing either).
 */
export function checkBasicAuth(header: string | undefined, user: string, password: string): boolean {
  if (!header) return false;
  const match = /^\s*basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!match) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const userOk = timingSafeEqual(digest(decoded.slice(0, colon)), digest(user));
  const passwordOk = timingSafeEqual(digest(decoded.slice(colon + 1)), digest(password));
  return userOk && passwordOk;
}
