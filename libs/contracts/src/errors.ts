/**
 * Error catalogue: every failure a service reports across the bus has a stable code and the
 * HTTP status the gateway answers with. Codes are `domain/reason`.
 */
export const ERROR_CODES = {
  /** Any service: the payload failed validation. */
  invalidRequest: { code: 'request/invalid', status: 400 },
  /** Provider: no function with that name in that namespace. */
  functionNotFound: { code: 'function/not-found', status: 404 },
  /** Provider: deploy of a name that already exists (use PUT to update). */
  functionExists: { code: 'function/exists', status: 409 },
  /** Gateway: the function has no replica subscribed. */
  noReplicas: { code: 'function/no-replicas', status: 503 },
  /** Gateway: the function did not reply within its timeout. */
  invokeTimeout: { code: 'function/timeout', status: 504 },
  /** Gateway: the request body is over the configured limit. */
  bodyTooLarge: { code: 'request/too-large', status: 413 },
  /** Any service: a dependency (NATS, JetStream) failed or timed out. */
  unavailable: { code: 'platform/unavailable', status: 503 },
  /** Async: no call (or dead letter) with that id, or it has expired. */
  callNotFound: { code: 'async/not-found', status: 404 },
  /** Async: the call already started, so it cannot be cancelled. */
  callStarted: { code: 'async/started', status: 409 },
  /** Async: the function already has a call with this id, for another request (method, path, query or body). */
  callIdConflict: { code: 'async/call-id-conflict', status: 409 },
  /** Async: several functions have a call with this id; the caller must name one (`?function=`). */
  callIdAmbiguous: { code: 'async/call-id-ambiguous', status: 409 },
  /** Async: the function's queue holds as many calls as it may (SKIFF_ASYNC_QUEUE_MAX); try again later. */
  queueFull: { code: 'async/queue-full', status: 429 },
  /** Any service: a JetStream stream, bucket or object store reached its max_bytes (or the account its storage); nothing was stored. */
  storageFull: { code: 'platform/storage-full', status: 507 },
  /** Provider: no secret with that name in that namespace. */
  secretNotFound: { code: 'secret/not-found', status: 404 },
  /** Provider: create of a secret that already exists (use PUT to update). */
  secretExists: { code: 'secret/exists', status: 409 },
  /** Provider: no such namespace. */
  namespaceNotFound: { code: 'namespace/not-found', status: 404 },
  /** Provider: create of a namespace that already exists. */
  namespaceExists: { code: 'namespace/exists', status: 409 },
  /** Provider: delete of a namespace that still holds functions or secrets (or is the default). */
  namespaceInUse: { code: 'namespace/in-use', status: 409 },
  /** Gateway: a `/system/logs` parameter could not be parsed. */
  logRequestInvalid: { code: 'logs/invalid-request', status: 422 },
  /** Any service: a bug; the message says what failed. */
  internal: { code: 'platform/internal', status: 500 },
} as const;

/** A catalogue entry. */
export type ErrorKind = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** The shape of an error as it travels over the bus (inside Nest's RpcException). */
export interface WireError {
  /** Catalogue code, e.g. `function/not-found`. */
  code: string;
  /** HTTP status the gateway should answer with. */
  status: number;
  /** Human-readable reason, safe to show to the caller. */
  message: string;
}

/** A typed platform error; services throw it and the bus carries it as a WireError. */
export class SkiffError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(kind: ErrorKind, message: string) {
    super(message);
    this.name = 'SkiffError';
    this.code = kind.code;
    this.status = kind.status;
  }

  /** The wire form. */
  toWire(): WireError {
    return { code: this.code, status: this.status, message: this.message };
  }

  /** Rebuilds a SkiffError from whatever arrived over the bus. */
  static fromWire(value: unknown): SkiffError {
    if (isWireError(value)) {
      const err = new SkiffError(ERROR_CODES.internal, value.message);
      Object.assign(err, { code: value.code, status: value.status });
      return err;
    }
    const message =
      value && typeof value === 'object' && 'message' in value ? String((value as { message: unknown }).message) : String(value);
    return new SkiffError(ERROR_CODES.internal, message);
  }
}

/** True when `value` has the WireError shape. */
export function isWireError(value: unknown): value is WireError {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.status === 'number' && typeof v.message === 'string';
}
