import type { IncomingHttpHeaders } from 'node:http';

/**
 * Admin routes whose body has its own type: bundle uploads (`application/gzip`, read by
 * BundleBodyParser) and topic messages (published with the content type they came with). Every other
 * admin write takes JSON only.
 */
export const OWN_BODY_TYPE_ROUTES: ReadonlySet<string> = new Set(['/system/bundles/*', '/system/topics/*']);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** True when the request carries a body (a length above 0, or chunked). */
function hasBody(headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}

/**
 * Why an admin write is refused for its content type (415), or undefined. Writes take
 * `Content-Type: application/json`: the types a cross-site form or `fetch` can send without a CORS
 * preflight (`application/x-www-form-urlencoded`, `multipart/form-data`, `text/plain`) never reach a
 * handler. A write without a body needs no type (`curl -X DELETE`, a replay).
 */
export function writeTypeProblem(method: string, route: string | undefined, headers: IncomingHttpHeaders): string | undefined {
  if (SAFE_METHODS.has(method) || (route !== undefined && OWN_BODY_TYPE_ROUTES.has(route))) return undefined;
  const type = headers['content-type'];
  if (type === undefined) return hasBody(headers) ? `${method} with a body needs Content-Type: application/json` : undefined;
  if (type.split(';', 1)[0].trim().toLowerCase() === 'application/json') return undefined;
  return `${method} takes Content-Type: application/json, not "${type}"`;
}
