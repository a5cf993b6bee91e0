import type { InvokeRequest } from '@skiff/invoke/invoke.types';

/** Go's canonical MIME header form: `x-call-id` → `X-Call-Id`. */
export function canonicalHeaderName(name: string): string {
  let out = '';
  let upper = true;
  for (const ch of name) {
    out += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = ch === '-';
  }
  return out;
}

/**
 * The CGI variables the classic watchdog adds to the function's environment:
 * `Http_<Header_Name>` per header (first value), `Http_Method`, `Http_Content_Length`,
 * `Http_Query` and `Http_Path` when non-empty.
 */
export function cgiEnv(req: InvokeRequest): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name in req.headers) {
    const value = req.headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined) continue;
    env[`Http_${canonicalHeaderName(name).replace(/-/g, '_')}`] = first;
  }
  env.Http_Method = req.method;
  env.Http_ContentLength = String(req.body.length);
  env.Http_Content_Length = String(req.body.length);
  if (req.query) env.Http_Query = req.query;
  if (req.path) env.Http_Path = req.path;
  return env;
}
