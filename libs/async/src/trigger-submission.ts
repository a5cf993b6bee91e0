import { createHash } from 'node:crypto';
import type { HeaderMap } from '@skiff/invoke';
import { encodeAsyncCall } from './async-message';
import type { AsyncSubmission } from './async-submitter';

/** One triggered call of one function. */
export interface TriggerCall {
  /** Function namespace. */
  namespace: string;
  /** Function name. */
  name: string;
  /** Stable key of the trigger event (topic message, cron tick): equal keys give equal call ids. */
  eventKey: string;
  /** Call id prefix naming the trigger (`topic`, `cron`). */
  kind: string;
  /** HTTP headers for the function. */
  headers: HeaderMap;
  /** Body. */
  body: Uint8Array;
}

/** Call id of one function's call for one trigger event: a redelivered event maps to the same call. */
export function triggerCallId(kind: string, eventKey: string, namespace: string, name: string): string {
  return `${kind}-${createHash('sha256').update(`${eventKey}\n${namespace}\n${name}`).digest('hex').slice(0, 40)}`;
}

/** A triggered call as the async stream stores it (a POST to the function's root, like OpenFaaS connectors). */
export function triggerSubmission(call: TriggerCall): AsyncSubmission {
  const callId = triggerCallId(call.kind, call.eventKey, call.namespace, call.name);
  const headers: HeaderMap = { ...call.headers, 'x-call-id': callId };
  const encoded = encodeAsyncCall(
    { method: 'POST', path: '/', query: '', headers, body: call.body },
    { callId, functionRef: `${call.name}.${call.namespace}` },
  );
  return { callId, namespace: call.namespace, name: call.name, headers: encoded.headers, data: encoded.data };
}
