/**
 * The one list of gateway routes anybody may call, as Fastify registered them (route patterns, not
 * request paths). Every other route needs the admin credentials: `/system/*`, `/ui/*`,
 * `/async-function/status/:callId`, and any route added later unless it is listed here. (`/metrics`
 * is not on this listener: SKIFF_GATEWAY_METRICS_PORT.)
 * `DELETE /async-function/<call-id>` (a cancel) is on a public route; its handler asks for the
 * credentials (see hasAdminCredentials).
 */
export const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['/', '/healthz', '/function/*', '/async-function/*']);

/** The route whose DELETE may be a cancel (the handler decides once it knows the name is a call id). */
export const ASYNC_ROUTE = '/async-function/*';

/**
 * True when the route the router matched needs the admin credentials. `route` is Fastify's
 * `request.routeOptions.url`, i.e. the pattern, so no spelling of the request target can change it.
 */
export function routeNeedsAdmin(route: string): boolean {
  return !PUBLIC_ROUTES.has(route);
}
