import type { JsMsg } from 'nats';
import type { AsyncCallHeaders } from '@skiff/async';
import type { AsyncCallResult } from '@skiff/contracts';
import type { InvokeResponse } from '@skiff/invoke';
import type { AttemptOutcome } from '../retry.policy';

/** A function by namespace and name. */
export interface FunctionRef {
  /** Namespace. */
  namespace: string;
  /** Name. */
  name: string;
}

/** One delivery of one async call, as every step of its handling sees it. */
export interface CallContext {
  /** The delivered message. */
  msg: JsMsg;
  /** Its async metadata, read once. */
  meta: AsyncCallHeaders;
  /** The call id (`seq-<n>` for a message without one). */
  callId: string;
  /** The function (`_._` for a message whose subject names none). */
  fn: FunctionRef;
  /** `name.namespace`: the metrics label. */
  label: string;
  /** Attempts allowed by the function's retry policy. */
  maxAttempts: number;
  /** The call's state as claimed for this delivery (absent when the call never got that far). */
  base?: AsyncCallResult;
}

/** One attempt's result (or the outcome given in place of one). */
export interface Attempt extends AttemptOutcome {
  /** The function's answer (absent when the call never reached it). */
  response?: InvokeResponse;
  /** Why the attempt failed at the platform level. */
  error?: string;
  /** Seconds the attempt took. */
  durationSeconds: number;
}

/** The outcome of a call given up without an attempt (the platform's reason, no status from the function). */
export function platformFailure(error: string, status = 0): Attempt {
  return { status, platform: true, durationSeconds: 0, error };
}

/** The context of a delivery before it is claimed. */
export function callContext(msg: JsMsg, meta: AsyncCallHeaders, fn: FunctionRef | undefined, maxAttempts: number): CallContext {
  const target = fn ?? { namespace: '_', name: '_' };
  return {
    msg,
    meta,
    callId: meta.callId || `seq-${msg.seq}`,
    fn: target,
    label: `${target.name}.${target.namespace}`,
    maxAttempts,
  };
}
