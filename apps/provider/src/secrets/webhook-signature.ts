import { createHmac, timingSafeEqual } from 'node:crypto';

/** The signature headers of one webhook request, as sent. */
export interface WebhookSignatures {
  /** `X-Hub-Signature-256`: `sha256=<hex HMAC-SHA256 of the body>` (GitHub style). */
  github?: string;
  /** `X-Signature`: `<hex HMAC-SHA256 of the body>`, optionally prefixed `sha256=`. */
  generic?: string;
}

/**
 * Why the signature does not match `secret`, or undefined when it does. The GitHub header wins when
 * both are sent. The comparison is constant-time (timingSafeEqual on equal-length digests).
 */
export function signatureProblem(secret: Buffer, body: Uint8Array, signatures: WebhookSignatures): string | undefined {
  const { github, generic } = signatures;
  const given = github ?? generic;
  if (given === undefined) return 'missing signature: send X-Hub-Signature-256 (sha256=<hmac>) or X-Signature';
  if (github !== undefined && !github.startsWith('sha256=')) return 'X-Hub-Signature-256 must be sha256=<hex HMAC-SHA256 of the body>';
  const hex = given.replace(/^sha256=/, '');
  const expected = createHmac('sha256', secret).update(body).digest();
  const actual = /^[0-9a-fA-F]{64}$/.test(hex) ? Buffer.from(hex, 'hex') : Buffer.alloc(0);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return 'signature does not match the body';
  return undefined;
}
