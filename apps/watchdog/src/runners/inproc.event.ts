import type { HeaderMap, InvokeRequest } from '@skiff/invoke/invoke.types';

/** What an inproc handler receives (the node template's `event`). */
export interface FunctionEvent {
  /** Parsed body: JSON value, form object, string for text, Buffer otherwise or with RAW_BODY. */
  body: unknown;
  /** Request headers with lower-case names. */
  headers: HeaderMap;
  /** HTTP method. */
  method: string;
  /** Parsed query string; repeated keys become arrays. */
  query: Record<string, string | string[]>;
  /** Path below the function. */
  path: string;
}

/** The body could not be parsed as its Content-Type says. */
export class BodyParseError extends Error {}

/** Builds the handler's event from a call, parsing the body as the node template does. */
export function toFunctionEvent(req: InvokeRequest, rawBody: boolean): FunctionEvent {
  const headers: HeaderMap = {};
  let contentType = '';
  for (const name in req.headers) {
    const lower = name.toLowerCase();
    headers[lower] = req.headers[name];
    if (lower === 'content-type') contentType = String(req.headers[name]);
  }
  return {
    body: rawBody ? Buffer.from(req.body) : parseBody(req.body, contentType),
    headers,
    method: req.method,
    query: req.query ? parseQuery(req.query) : {},
    path: req.path,
  };
}

function parseBody(body: Uint8Array, contentType: string): unknown {
  const semi = contentType.indexOf(';');
  const type = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  // A missing Content-Type is treated as text/plain, like the node template.
  if (type === '' || type.startsWith('text/')) return Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8');
  if (type === 'application/json' || type.endsWith('+json')) {
    if (body.length === 0) return {};
    try {
      return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8'));
    } catch (err) {
      throw new BodyParseError(`Bad Request: body is not valid JSON (${(err as Error).message})`);
    }
  }
  if (type === 'application/x-www-form-urlencoded') return parseQuery(Buffer.from(body).toString('utf8'));
  return Buffer.from(body);
}

/** `a=1&b=2&b=3` → `{ a: '1', b: ['2', '3'] }`. */
export function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    if (key === '__proto__') continue;
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev, value];
  }
  return out;
}
