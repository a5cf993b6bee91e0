import { IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import type { WireError } from '../errors';
import { IsDnsLabel } from '../validation';
import { MAX_TOPIC_LENGTH, TOPIC_PATTERN } from './trigger-annotations';

/**
 * The provider's "verify webhook signature" request/reply (`subjects.webhookVerify`).
 *
 * Request: the message data is the raw webhook body (the bytes the signature covers, never
 * re-encoded, so a body as large as the topic stream accepts fits one message); the NATS headers
 * below carry the rest. Reply: a JSON `WebhookVerifyResult`. The provider is the only service
 * that can open secrets, so it computes the HMAC with the secret `webhook-<topic>` and answers only
 * valid / invalid / no-secret: neither the secret nor a MAC of the caller's choosing ever leaves it
 * (an RPC returning MACs would let any bus client forge signatures for any body).
 */
export const WEBHOOK_VERIFY_HEADERS = {
  /** The webhook's topic; the secret checked is `webhook-<topic>`. */
  topic: 'Skiff-Webhook-Topic',
  /** Namespace of the secret (default `openfaas-fn`). */
  namespace: 'Skiff-Webhook-Namespace',
  /** The request's `X-Hub-Signature-256` header, when sent. */
  githubSignature: 'Skiff-Webhook-Hub-Signature-256',
  /** The request's `X-Signature` header, when sent. */
  genericSignature: 'Skiff-Webhook-Signature',
  /** The request's `X-Skiff-Signature` header (timestamped), when sent. */
  timestampedSignature: 'Skiff-Webhook-Skiff-Signature',
} as const;

/** HTTP headers a webhook signs its body with (HMAC-SHA256, hex). */
export const WEBHOOK_SIGNATURE_HEADERS = {
  /** GitHub style: `sha256=<hex HMAC-SHA256 of the body>`. */
  github: 'x-hub-signature-256',
  /** Generic: `<hex HMAC-SHA256 of the body>`, optionally prefixed `sha256=`. */
  generic: 'x-signature',
  /**
   * Timestamped (Stripe/Slack style): `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (several
   * `v1=` allowed, e.g. during a key rotation). connector-webhook refuses a `t` outside its tolerance
   * and the same signature twice, so a captured request cannot be replayed.
   */
  timestamped: 'x-skiff-signature',
} as const;

/** A parsed `X-Skiff-Signature`. */
export interface TimestampedSignature {
  /** Unix seconds the sender signed at. */
  t: number;
  /** Hex HMAC-SHA256 values of `<t>.<body>` (one per key the sender signs with). */
  v1: string[];
}

/** Parses `t=<unix>,v1=<hex>[,v1=<hex>…]` (other schemes ignored); a string says why it cannot be read. */
export function parseTimestampedSignature(value: string): TimestampedSignature | string {
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const val = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(val)) t = Number(val);
    else if (key === 'v1' && /^[0-9a-fA-F]{64}$/.test(val)) v1.push(val.toLowerCase());
  }
  if (t === undefined || v1.length === 0) return 'X-Skiff-Signature must be t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">';
  return { t, v1 };
}

/** Name of the Skiff secret that turns on signature checks for a webhook topic. */
export function webhookSecretName(topic: string): string {
  return `webhook-${topic}`;
}

/** Longest signature header value accepted (`sha256=` plus 64 hex digits, with room for variants). */
export const MAX_SIGNATURE_LENGTH = 256;

/** The metadata of a verify request, read from its headers and validated by the provider. */
export class WebhookVerifyRequest {
  /** The webhook's topic. */
  @IsString({ message: 'topic: is required' })
  @MaxLength(MAX_TOPIC_LENGTH, { message: `topic: must be at most ${MAX_TOPIC_LENGTH} characters` })
  @Matches(TOPIC_PATTERN, { message: 'topic: must be letters, digits, "-" and "_", optionally in dot-separated parts' })
  topic!: string;

  /** Namespace of the secret; default `openfaas-fn`. */
  @IsOptional()
  @IsString({ message: 'namespace: must be a string' })
  @IsDnsLabel()
  namespace?: string;

  /** The `X-Hub-Signature-256` header as sent. */
  @IsOptional()
  @IsString({ message: 'githubSignature: must be a string' })
  @MaxLength(MAX_SIGNATURE_LENGTH, { message: `githubSignature: must be at most ${MAX_SIGNATURE_LENGTH} characters` })
  githubSignature?: string;

  /** The `X-Signature` header as sent. */
  @IsOptional()
  @IsString({ message: 'genericSignature: must be a string' })
  @MaxLength(MAX_SIGNATURE_LENGTH, { message: `genericSignature: must be at most ${MAX_SIGNATURE_LENGTH} characters` })
  genericSignature?: string;

  /** The `X-Skiff-Signature` header as sent. */
  @IsOptional()
  @IsString({ message: 'timestampedSignature: must be a string' })
  @MaxLength(MAX_SIGNATURE_LENGTH, { message: `timestampedSignature: must be at most ${MAX_SIGNATURE_LENGTH} characters` })
  timestampedSignature?: string;
}

/** What the provider found: the signature matches, does not (or is missing), or the topic has no secret. */
export const WEBHOOK_VERDICTS = ['valid', 'invalid', 'no-secret'] as const;

/** One of WEBHOOK_VERDICTS. */
export type WebhookVerdict = (typeof WEBHOOK_VERDICTS)[number];

/** Reply of the verify request: a verdict, or the error that kept the provider from checking. */
export class WebhookVerifyResult {
  /** The verdict (absent when `error` is set); `no-secret` means signatures are not checked for this topic. */
  @ValidateIf((o: WebhookVerifyResult) => o.error === undefined)
  @IsIn(WEBHOOK_VERDICTS as unknown as string[], { message: `result: must be one of ${WEBHOOK_VERDICTS.join(', ')}` })
  result?: WebhookVerdict;

  /** Why the signature was refused; safe to show the webhook sender (it never contains the secret). */
  @IsOptional()
  @IsString()
  reason?: string;

  /** Why nothing could be checked (invalid request, secret unreadable); the caller must not publish. */
  @IsOptional()
  @IsObject()
  error?: WireError;
}
