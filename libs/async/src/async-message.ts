import { headers as natsHeaders, MsgHdrs } from 'nats';
import { ASYNC_HEADERS, INVOKE_HEADERS } from '@skiff/contracts';
import { encodeInvokeRequest, HeaderMap, InvokeRequest } from '@skiff/invoke';

/**
 * The async call's message, written and read here only: an invocation request as the invoke codec
 * writes it (method, path, query, HTTP headers; the data is the body) plus the call's metadata
 * (ASYNC_HEADERS in libs/contracts). The same headers carry a callback waiting in the callback stream
 * and, with the dead-letter fields, a dead letter (see dead-letters.ts).
 */

/** What whoever queues a call says about it besides the request. */
export interface AsyncCallIntent {
  /** The call id. */
  callId: string;
  /** The function as the caller named it (`name` or `name.namespace`): the callback's `X-Function-Name`. */
  functionRef: string;
  /** Where the result is POSTed. */
  callbackUrl?: string;
}

/** An async call's metadata as read from its message (each field absent when the header is). */
export interface AsyncCallHeaders {
  /** The call id. */
  callId?: string;
  /** The function as the caller named it. */
  functionRef?: string;
  /** Where the result is POSTed. */
  callbackUrl?: string;
  /** Unix ms at which the call was queued. */
  queuedAt?: number;
  /** KV revision of the `queued` state written with the message. */
  stateRevision?: number;
  /** requestDigest of the call. */
  requestDigest?: string;
  /** Object-store name of a body kept out of line. */
  bodyRef?: string;
  /** Callback messages: POSTs made before the message was queued. */
  callbackTries: number;
  /** True when the message is a readable invocation request (it has a method). */
  hasRequest: boolean;
}

/** Encodes a call for the async stream (throws, like the invoke codec, on an unusable header). */
export function encodeAsyncCall(request: InvokeRequest, intent: AsyncCallIntent): { headers: MsgHdrs; data: Uint8Array } {
  const encoded = encodeInvokeRequest(request);
  encoded.headers.set(ASYNC_HEADERS.callId, intent.callId);
  encoded.headers.set(ASYNC_HEADERS.functionRef, intent.functionRef);
  encoded.headers.set(ASYNC_HEADERS.queuedAt, String(Date.now()));
  if (intent.callbackUrl) encoded.headers.set(ASYNC_HEADERS.callbackUrl, intent.callbackUrl);
  return encoded;
}

/** Reads a call's (or a callback's, or a dead letter's) async metadata. */
export function readAsyncCall(h: MsgHdrs | undefined): AsyncCallHeaders {
  const get = (name: string) => h?.get(name) || undefined;
  return {
    callId: get(ASYNC_HEADERS.callId),
    functionRef: get(ASYNC_HEADERS.functionRef),
    callbackUrl: get(ASYNC_HEADERS.callbackUrl),
    queuedAt: Number(get(ASYNC_HEADERS.queuedAt)) || undefined,
    stateRevision: Number(get(ASYNC_HEADERS.stateRevision)) || undefined,
    requestDigest: get(ASYNC_HEADERS.requestDigest),
    bodyRef: get(ASYNC_HEADERS.bodyRef),
    callbackTries: Number(get(ASYNC_HEADERS.callbackTries)) || 0,
    hasRequest: Boolean(get(INVOKE_HEADERS.method)),
  };
}

/** Marks the call's body as kept out of line under `ref` (the message's data is then empty). */
export function setBodyRef(h: MsgHdrs, ref: string): void {
  h.set(ASYNC_HEADERS.bodyRef, ref);
}

/** Records the call's requestDigest in its message, so the worker keeps it in the states it writes. */
export function setRequestDigest(h: MsgHdrs, digest: string): void {
  h.set(ASYNC_HEADERS.requestDigest, digest);
}

/** Sets (or, without a revision, removes) the revision of the `queued` state written with the message. */
export function setStateRevision(h: MsgHdrs, revision: number | undefined): void {
  if (revision) h.set(ASYNC_HEADERS.stateRevision, String(revision));
  else if (h.has(ASYNC_HEADERS.stateRevision)) h.delete(ASYNC_HEADERS.stateRevision);
}

/** A callback waiting in the callback stream. */
export interface CallbackMessage {
  /** The call id. */
  callId: string;
  /** Where it is POSTed. */
  url: string;
  /** The callback's HTTP headers. */
  headers: HeaderMap;
  /** POSTs made before it was queued. */
  tries: number;
  /** Object-store name of a body kept out of line. */
  bodyRef?: string;
}

/** Headers of a callback message (its HTTP headers plus the async metadata). */
export function encodeCallbackMessage(callback: CallbackMessage): MsgHdrs {
  const h = natsHeaders();
  for (const [name, value] of Object.entries(callback.headers)) for (const v of [value].flat()) h.append(name, v);
  h.set(ASYNC_HEADERS.callbackUrl, callback.url);
  h.set(ASYNC_HEADERS.callId, callback.callId);
  if (callback.tries) h.set(ASYNC_HEADERS.callbackTries, String(callback.tries));
  if (callback.bodyRef) setBodyRef(h, callback.bodyRef);
  return h;
}

/**
 * Copies a message's headers, leaving out JetStream's own (msg id, expected stream: they belong to the
 * original publish) and `drop`.
 */
export function copyCallHeaders(source: MsgHdrs | undefined, drop: readonly string[] = []): MsgHdrs {
  const h = natsHeaders();
  if (!source) return h;
  for (const name of source.keys()) {
    if (name.startsWith('Nats-') || drop.includes(name)) continue;
    for (const v of source.values(name)) h.append(name, v);
  }
  return h;
}
