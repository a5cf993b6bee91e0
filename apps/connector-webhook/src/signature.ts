import { createHmac, timingSafeEqual } from 'node:crypto';

/** Signature headers checked when the topic has a secret. */
export const SIGNATURE_HEADERS = {
  /** GitHub style: `sha256=<hex HMAC-SHA256 of the body>`. */
  github: 'x-hub-signature-256',
  /** Generic: `<hex HMAC-SHA256 of the body>`, optionally prefixed `sha256=`. */
  generic: 'x-signature',
} as const;

/** Why the request's signature does not match `secret`, or undefined when it does. */
export function signatureProblem(secret: Buffer, body: Buffer, headers: Record<string, string | string[] | undefined>): string | undefined {
  const github = one(headers[SIGNATURE_HEADERS.github]);
  const generic = one(headers[SIGNATURE_HEADERS.generic]);
  const given = github ?? generic;
  if (given === undefined) return `missing signature: send X-Hub-Signature-256 (sha256=<hmac>) or X-Signature`;
  if (github !== undefined && !github.startsWith('sha256=')) return 'X-Hub-Signature-256 must be sha256=<hex HMAC-SHA256 of the body>';
  const hex = given.replace(/^sha256=/, '');
  const expected = createHmac('sha256', secret).update(body).digest();
  const actual = /^[0-9a-fA-F]{64}$/.test(hex) ? Buffer.from(hex, 'hex') : Buffer.alloc(0);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return 'signature does not match the body';
  return undefined;
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
