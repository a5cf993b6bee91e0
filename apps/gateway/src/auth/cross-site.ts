import type { IncomingHttpHeaders } from 'node:http';

/**
 * The origins of a comma-separated list (`SKIFF_GATEWAY_ALLOWED_ORIGINS`), normalised as browsers send
 * them (`https://portal.example.org`, default port dropped), or the reason the list is unusable.
 */
export function parseOrigins(list: string): { origins: string[] } | { problem: string } {
  const origins: string[] = [];
  for (const raw of list
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { problem: `"${raw}" is not an origin (scheme://host[:port])` };
    }
    const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password && !raw.endsWith('/');
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !bare) {
      return { problem: `"${raw}" is not an origin: write scheme://host[:port] with http or https and nothing after it` };
    }
    origins.push(url.origin);
  }
  return { origins };
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

/** `host[:port]` as a browser's Origin names it: lower case, without the scheme's default port. */
function hostOf(value: string, protocol: string): string {
  const lower = value.toLowerCase();
  const port = `:${defaultPort(protocol)}`;
  return lower.endsWith(port) ? lower.slice(0, -port.length) : lower;
}

/**
 * Why a request is cross-site, or undefined when it is not. A browser names the page that made a
 * request in `Origin` (every POST, PUT, DELETE, and cross-origin GETs) and, in current browsers, in
 * `Sec-Fetch-Site`. Same-origin means the Origin's host and port are the Host the request was sent to
 * (so it holds behind a proxy that keeps Host); `allowed` lists other origins to accept. A request
 * without either header (curl, faas-cli, the CLI) is not a browser's cross-site request.
 */
export function crossSiteProblem(headers: IncomingHttpHeaders, allowed: ReadonlySet<string>): string | undefined {
  if (headers['sec-fetch-site'] === 'cross-site') return 'cross-site request refused (Sec-Fetch-Site: cross-site)';
  const origin = headers.origin;
  if (origin === undefined) return undefined;
  if (allowed.has(origin.toLowerCase())) return undefined;
  let url: URL | undefined;
  try {
    url = origin === 'null' ? undefined : new URL(origin);
  } catch {
    url = undefined;
  }
  if (url && (url.protocol === 'http:' || url.protocol === 'https:') && headers.host && url.host === hostOf(headers.host, url.protocol))
    return undefined;
  return `cross-site request refused: Origin ${origin} is not this gateway (${headers.host ?? 'no Host'}); list other origins in SKIFF_GATEWAY_ALLOWED_ORIGINS`;
}
