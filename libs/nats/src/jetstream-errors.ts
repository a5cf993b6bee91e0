import type { NatsError } from 'nats';

/**
 * JetStream API error codes (`api_error.err_code`, nats-server's errors.json) the platform tells apart.
 * Messages are for people and change between server versions; these codes do not.
 */
export const JS_ERRORS = {
  consumerNotFound: 10014,
  noMessageFound: 10037,
  storageResourcesExceeded: 10047,
  streamNameInUse: 10058,
  streamNotFound: 10059,
  wrongLastSequence: 10071,
} as const;

export type JetStreamErrorName = keyof typeof JS_ERRORS;

/** The JetStream API error code of `err`, or undefined when it is not a JetStream API error. */
export function jetStreamErrorCode(err: unknown): number | undefined {
  return (err as NatsError | undefined)?.api_error?.err_code;
}

/**
 * True when a message read found nothing: the API's `noMessageFound`, or the 404 status a direct get
 * (`jsm.direct.getMessage`, no API error body) answers with.
 */
export function isMessageNotFound(err: unknown): boolean {
  return isJetStreamError(err, 'noMessageFound') || (err as NatsError | undefined)?.code === '404';
}

/** True when `err` is the JetStream API error `name` (e.g. `isJetStreamError(err, 'streamNotFound')`). */
export function isJetStreamError(err: unknown, ...names: JetStreamErrorName[]): boolean {
  const code = jetStreamErrorCode(err);
  return code !== undefined && names.some((name) => JS_ERRORS[name] === code);
}
