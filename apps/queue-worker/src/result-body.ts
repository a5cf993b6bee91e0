import { AsyncCallResult } from '@skiff/contracts';

/** The response body as kept in a result: text when it is valid UTF-8, base64 otherwise, cut at `max` bytes. */
export function resultBody(body: Uint8Array, max: number): Pick<AsyncCallResult, 'body' | 'bodyEncoding' | 'bodyTruncated'> {
  const truncated = body.length > max;
  const kept = Buffer.from(body.buffer, body.byteOffset, Math.min(body.length, max));
  try {
    return { body: new TextDecoder('utf-8', { fatal: true }).decode(kept), bodyEncoding: 'utf8', bodyTruncated: truncated };
  } catch {
    return { body: kept.toString('base64'), bodyEncoding: 'base64', bodyTruncated: truncated };
  }
}
