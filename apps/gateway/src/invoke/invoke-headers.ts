import type { IncomingHttpHeaders } from 'node:http';
import { HOP_BY_HOP_HEADERS, INTERNAL_HEADER_PREFIX } from '@skiff/contracts/invoke-protocol';
import type { HeaderMap } from '@skiff/invoke';

/** What the gateway adds to a call on its way to the function. */
export interface CallMetadata {
  /** `X-Call-Id` (the caller's or a new one). */
  callId: string;
  /** `X-Start-Time`, Unix nanoseconds. */
  startTime: string;
  /** The client's address, for `X-Forwarded-For`. */
  remoteAddress: string | undefined;
}

/** Names listed in a `Connection` header are hop-by-hop too (RFC 9110 §7.6.1). */
function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  if (!value) return undefined;
  const tokens = new Set<string>();
  for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const token = part.trim().toLowerCase();
    if (token) tokens.add(token);
  }
  return tokens;
}

/**
 * Headers sent to the function: the client's minus hop-by-hop and `Skiff-*`, plus `X-Call-Id`,
 * `X-Start-Time` and, when absent, `X-Forwarded-For` / `X-Forwarded-Host`. Node gives lower-case names.
 */
export function upstreamHeaders(incoming: IncomingHttpHeaders, meta: CallMetadata): HeaderMap {
  const out: HeaderMap = {};
  const extra = connectionTokens(incoming.connection);
  for (const name in incoming) {
    if (HOP_BY_HOP_HEADERS.has(name) || name.startsWith(INTERNAL_HEADER_PREFIX) || extra?.has(name)) continue;
    const value = incoming[name];
    if (value !== undefined) out[name] = value;
  }
  out['x-call-id'] = meta.callId;
  const start = incoming['x-start-time'];
  // A replayed call keeps its earlier start time and gets ours appended.
  out['x-start-time'] = start === undefined ? meta.startTime : [...(Array.isArray(start) ? start : [start]), meta.startTime];
  if (incoming['x-forwarded-for'] === undefined && meta.remoteAddress) out['x-forwarded-for'] = meta.remoteAddress;
  if (incoming['x-forwarded-host'] === undefined && incoming.host) out['x-forwarded-host'] = incoming.host;
  return out;
}

/** The function's response headers minus hop-by-hop and `Skiff-*`, names lower-cased so ours replace theirs. */
export function downstreamHeaders(headers: HeaderMap): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const raw in headers) {
    const name = raw.toLowerCase();
    if (HOP_BY_HOP_HEADERS.has(name) || name.startsWith(INTERNAL_HEADER_PREFIX)) continue;
    const value = headers[raw];
    const prev = out[name];
    out[name] = prev === undefined ? value : ([] as string[]).concat(prev, value);
  }
  return out;
}
