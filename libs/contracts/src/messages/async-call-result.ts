/** Life cycle of an async call. */
export const ASYNC_CALL_STATES = ['queued', 'running', 'succeeded', 'failed', 'dead-lettered', 'cancelled'] as const;

/** One state of an async call. */
export type AsyncCallState = (typeof ASYNC_CALL_STATES)[number];

/** A callback the queue-worker could not deliver (recorded with the call's result). */
export interface AsyncCallbackFailure {
  /** `given-up`: every attempt failed (transport error, 408, 429 or 5xx); `rejected`: the receiver answered another 4xx (not retried). */
  outcome: 'given-up' | 'rejected';
  /** HTTP status of the last delivery attempt (0 when the receiver could not be reached). */
  status: number;
  /** Delivery attempts made. */
  attempts: number;
  /** What went wrong on the last attempt. */
  error: string;
  /** Unix milliseconds of the last attempt. */
  at: number;
}

/** A call's state and result, the value kept under its call id in the async results bucket. */
export interface AsyncCallResult {
  /** The call id. */
  callId: string;
  /** Function name. */
  name: string;
  /** Function namespace. */
  namespace: string;
  /** Where the call is in its life cycle. */
  state: AsyncCallState;
  /** Attempts started so far. */
  attempts: number;
  /** Attempts allowed. */
  maxAttempts?: number;
  /** Unix milliseconds the call was accepted. */
  queuedAt?: number;
  /** Unix milliseconds the last attempt started. */
  startedAt?: number;
  /** Unix milliseconds the call finished. */
  finishedAt?: number;
  /** HTTP status of the last attempt (0 when it never reached the function). */
  statusCode?: number;
  /** Duration of the last attempt in seconds. */
  durationSeconds?: number;
  /** Why the last attempt failed or the call was given up. */
  error?: string;
  /** Response headers of the last attempt. */
  headers?: Record<string, string | string[]>;
  /** Response body of the last attempt, up to the configured size. */
  body?: string;
  /** How `body` is written: `utf8` text or `base64` for binary. */
  bodyEncoding?: 'utf8' | 'base64';
  /** True when the body was cut at the configured size. */
  bodyTruncated?: boolean;
  /** Dead-letter id when the call was dead-lettered. */
  deadLetterId?: number;
  /**
   * Deliveries that ended because a queue-worker died (or lost the message's lease) before it
   * recorded an outcome. They do not count as attempts (up to the attempts allowed per call).
   */
  crashes?: number;
  /** Set when the callback could not be delivered; absent while it is pending or once it was delivered. */
  callback?: AsyncCallbackFailure;
  /**
   * SHA-256 (hex) of the request as submitted (method, path, query, body): a resubmission with the
   * same call id for the same function is the same call when it matches, a 409 conflict otherwise.
   */
  requestDigest?: string;
}

/** One dead letter as `GET /system/async/dead-letters` lists it. */
export interface DeadLetterSummary {
  /** Dead-letter id (sequence in the dead-letter stream), used to replay or delete it. */
  id: number;
  /** The call id. */
  callId: string;
  /** Function name. */
  name: string;
  /** Function namespace. */
  namespace: string;
  /** HTTP method of the call. */
  method: string;
  /** Path below the function. */
  path: string;
  /** HTTP status of the last attempt (0 when none reached the function). */
  status: number;
  /** Why the call was given up. */
  reason: string;
  /** Attempts made. */
  attempts: number;
  /** When the call was accepted (RFC 3339). */
  queuedAt?: string;
  /** When the call was given up (RFC 3339). */
  deadAt: string;
  /** Callback URL of the call, if any. */
  callbackUrl?: string;
  /** Body size in bytes. */
  bodySize: number;
}
