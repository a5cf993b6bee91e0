import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseTimestampedSignature } from '@skiff/contracts/triggers/webhook-verify';

/** The signature headers of one webhook request, as sent. */
export interface WebhookSignatures {
  /** `X-Hub-Signature-256`: `sha256=<hex HMAC-SHA256 of the body>` (GitHub style). */
  github?: string;
  /** `X-Signature`: `<hex HMAC-SHA256 of the body>`, optionally prefixed `sha256=`. */
  generic?: string;
  /** `X-Skiff-Signature`: `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (the time window is connector-webhook's). */
  timestamped?: string;
}

/**
 * Why the signature does not match `secret`, or undefined when it does. The timestamped header wins,
 * then GitHub's, then the generic one. Comparisons are constant-time (timingSafeEqual on equal-length digests).
 */
export function signatureProblem(secret: Buffer, body: Uint8Array, signatures: WebhookSignatures): string | undefined {
  const { github, generic, timestamped } = signatures;
  if (timestamped !== undefined) {
    const parsed = parseTimestampedSignature(timestamped);
    if (typeof parsed === 'string') return parsed;
    const expected = createHmac('sha256', secret).update(`${parsed.t}.`).update(body).digest();
    return parsed.v1.some((hex) => matches(Buffer.from(hex, 'hex'), expected))
      ? undefined
      : 'signature does not match the timestamp and body';
  }
  const given = github ?? generic;
  if (given === undefined)
    return 'missing signature: send X-Skiff-Signature (t=<unix>,v1=<hmac of "t.body">), X-Hub-Signature-256 (sha256=<hmac>) or X-Signature';
  if (github !== undefined && !github.startsWith('sha256=')) return 'X-Hub-Signature-256 must be sha256=<hex HMAC-SHA256 of the body>';
  const hex = given.replace(/^sha256=/, '');
  const expected = createHmac('sha256', secret).update(body).digest();
  const actual = /^[0-9a-fA-F]{64}$/.test(hex) ? Buffer.from(hex, 'hex') : Buffer.alloc(0);
  return matches(actual, expected) ? undefined : 'signature does not match the body';
}

function matches(actual: Buffer, expected: Buffer): boolean {
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
