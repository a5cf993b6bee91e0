/**
 * How an accepted async call is stored in the async stream.
 *
 * The message is an invocation request as the invoke codec writes it (`Skiff-Method`, `Skiff-Path`,
 * `Skiff-Query` and the HTTP headers) plus the metadata below; the data is the body (or nothing when
 * the body is kept out of line, see `bodyRef`). The subject names the function.
 */
export const ASYNC_HEADERS = {
  /** The call id (also the JetStream `Nats-Msg-Id`, so a resubmission is dropped as a duplicate). */
  callId: 'Skiff-Call-Id',
  /** Where the result is POSTed (http or https URL). */
  callbackUrl: 'Skiff-Callback-Url',
  /** The function as the caller named it (`name` or `name.namespace`): the `X-Function-Name` of the callback. */
  functionRef: 'Skiff-Function',
  /** Unix milliseconds at which the gateway accepted the call. */
  queuedAt: 'Skiff-Queued-At',
  /**
   * KV revision of the call's `queued` state written with this message: on the first delivery the
   * worker marks the call `running` by compare-and-set against it, without reading the state first.
   */
  stateRevision: 'Skiff-State-Revision',
  /** requestDigest of the call (see AsyncCallResult): the worker keeps it in the states it writes. */
  requestDigest: 'Skiff-Request-Digest',
  /** Object-store name of a body too large for one message (calls, and callbacks in the callback stream). */
  bodyRef: 'Skiff-Body-Ref',
  /** Callback messages: delivery attempts made before the message was queued (the worker's own first POST). */
  callbackTries: 'Skiff-Callback-Tries',
  /** Dead letters: HTTP status of the last attempt (0 when none could run). */
  deadStatus: 'Skiff-Dead-Status',
  /** Dead letters: why the call was given up. */
  deadReason: 'Skiff-Dead-Reason',
  /** Dead letters: attempts made. */
  deadAttempts: 'Skiff-Dead-Attempts',
  /** Dead letters: Unix milliseconds at which the call was given up. */
  deadAt: 'Skiff-Dead-At',
} as const;

/** JetStream's de-duplication header. */
export const NATS_MSG_ID_HEADER = 'Nats-Msg-Id';

/** HTTP headers of the async API. */
export const ASYNC_HTTP_HEADERS = {
  /** Request: where to POST the result. */
  callbackUrl: 'X-Callback-Url',
  /** Request (optional) and 202 response: the call id. */
  callId: 'X-Call-Id',
  /** 202 response: gateway receive time in Unix nanoseconds. */
  startTime: 'X-Start-Time',
  /** Callback: the function's HTTP status. */
  functionStatus: 'X-Function-Status',
  /** Callback: the function as queued. */
  functionName: 'X-Function-Name',
  /** Callback: how long the call took. */
  durationSeconds: 'X-Duration-Seconds',
  /** Callback: attempts made before this result (0 on the first). */
  retry: 'X-Retry',
  /** Callback: attempts allowed. */
  retryMax: 'X-Retry-Max',
} as const;

/** Function annotations read by the queue-worker. */
export const ASYNC_ANNOTATIONS = {
  /** Calls of the function running at once, across every queue-worker replica. */
  maxInflight: 'com.openfaas.queue.max_inflight',
  /** Attempts before a call is dead-lettered. */
  retryAttempts: 'com.openfaas.retry.attempts',
  /** Comma-separated HTTP statuses that are retried. */
  retryCodes: 'com.openfaas.retry.codes',
  /** First back-off (Go duration such as `2s`, or seconds). */
  retryMinWait: 'com.openfaas.retry.min_wait',
  /** Largest back-off. */
  retryMaxWait: 'com.openfaas.retry.max_wait',
} as const;

/**
 * Call ids the platform accepts: 1-128 of `A-Z a-z 0-9 _ - = .`, starting with a letter, digit, `_` or
 * `-`, not ending with a dot and without two dots in a row, so `<ns>.<fn>.<id>` is always a valid KV key and subject.
 */
export const CALL_ID_PATTERN = /^(?=.{1,128}$)[A-Za-z0-9_-][A-Za-z0-9_=-]*(\.[A-Za-z0-9_=-]+)*$/;

/** True when `value` can be used as a call id. */
export function isCallId(value: unknown): value is string {
  return typeof value === 'string' && CALL_ID_PATTERN.test(value);
}

/** Ids the platform derives for triggered calls (`cron-<hex>`, `topic-<hex>`; see triggerCallId): callers may not choose them. */
export const TRIGGER_CALL_ID_PATTERN = /^[a-z]+-[0-9a-f]{40}$/;

/** True for an id of the form the platform gives triggered calls (reserved: a caller using it could pre-empt a cron tick). */
export function isTriggerCallId(value: string): boolean {
  return TRIGGER_CALL_ID_PATTERN.test(value);
}
