import { MsgHdrs, headers as natsHeaders } from 'nats';
import { INTERNAL_HEADER_PREFIX, INVOKE_HEADERS } from '@skiff/contracts/invoke-protocol';
import { HeaderMap, InvokeRequest, InvokeResponse } from './invoke.types';

const EMPTY = new Uint8Array(0);

function appendHeaders(h: MsgHdrs, headers: HeaderMap): void {
  for (const name in headers) {
    if (name.toLowerCase().startsWith(INTERNAL_HEADER_PREFIX)) continue;
    const value = headers[name];
    if (Array.isArray(value)) for (const v of value) h.append(name, v);
    else if (value !== undefined) h.append(name, value);
  }
}

/** Splits NATS headers into our metadata (returned via `meta`) and HTTP headers. */
function splitHeaders(h: MsgHdrs | undefined, meta: Record<string, string>): HeaderMap {
  const out: HeaderMap = {};
  if (!h) return out;
  for (const name of h.keys()) {
    const values = h.values(name);
    if (name.startsWith('Skiff-')) meta[name] = values[0];
    else out[name] = values.length === 1 ? values[0] : values;
  }
  return out;
}

/** NATS headers and data of an invocation request. */
export function encodeInvokeRequest(req: InvokeRequest, timeoutMs?: number): { headers: MsgHdrs; data: Uint8Array } {
  const h = natsHeaders();
  h.set(INVOKE_HEADERS.method, req.method);
  h.set(INVOKE_HEADERS.path, req.path || '/');
  if (req.query) h.set(INVOKE_HEADERS.query, req.query);
  if (timeoutMs) h.set(INVOKE_HEADERS.timeoutMs, String(timeoutMs));
  appendHeaders(h, req.headers);
  return { headers: h, data: req.body };
}

/** Reads an invocation request from a NATS message. */
export function decodeInvokeRequest(msg: { headers?: MsgHdrs; data: Uint8Array }): InvokeRequest & { timeoutMs?: number } {
  const meta: Record<string, string> = {};
  const headers = splitHeaders(msg.headers, meta);
  const timeout = Number(meta[INVOKE_HEADERS.timeoutMs]);
  return {
    method: meta[INVOKE_HEADERS.method] || 'POST',
    path: meta[INVOKE_HEADERS.path] || '/',
    query: meta[INVOKE_HEADERS.query] || '',
    headers,
    body: msg.data ?? EMPTY,
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : undefined,
  };
}

/** NATS headers and data of a reply. */
export function encodeInvokeResponse(res: InvokeResponse): { headers: MsgHdrs; data: Uint8Array } {
  const h = natsHeaders();
  h.set(INVOKE_HEADERS.status, String(res.status));
  if (res.internal) h.set(INVOKE_HEADERS.internal, res.internal);
  appendHeaders(h, res.headers);
  return { headers: h, data: res.body };
}

/** Reads a reply from a NATS message. */
export function decodeInvokeResponse(msg: { headers?: MsgHdrs; data: Uint8Array }): InvokeResponse {
  const meta: Record<string, string> = {};
  const headers = splitHeaders(msg.headers, meta);
  const status = Number(meta[INVOKE_HEADERS.status]);
  return {
    status: Number.isInteger(status) && status >= 100 && status <= 599 ? status : 502,
    headers,
    body: msg.data ?? EMPTY,
    internal: meta[INVOKE_HEADERS.internal],
  };
}
