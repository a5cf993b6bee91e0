/**
 * The nkey text format (NATS): base32 (RFC 4648, no padding) of prefix byte(s), the raw key and a
 * CRC-16/XMODEM (little-endian). Written out here, not taken from the nkeys package, because that
 * package loads a JavaScript Ed25519 on import (~10 ms) and every replica parses its seed at start.
 */

/** Role prefixes (the first byte of an encoded key). */
export const NKEY_PREFIX = { seed: 18 << 3, private: 15 << 3, operator: 14 << 3, account: 0, user: 20 << 3 } as const;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function base32Decode(text: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of text) {
    const index = ALPHABET.indexOf(char);
    if (index < 0) throw new Error('an nkey is base32 (A-Z, 2-7)');
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

/** Encodes a raw 32-byte key with its role: a public key (`U…`, `A…`) or, with `seed`, its seed (`SU…`). */
export function encodeNkey(role: number, raw: Uint8Array, seed = false): string {
  const head = seed ? [NKEY_PREFIX.seed | (role >> 5), (role & 31) << 3] : [role];
  const body = new Uint8Array(head.length + raw.length + 2);
  body.set(head);
  body.set(raw, head.length);
  const crc = crc16(body.subarray(0, head.length + raw.length));
  body[body.length - 2] = crc & 255;
  body[body.length - 1] = crc >> 8;
  return base32Encode(body);
}

/** Decodes a seed (`S…`): its role and raw 32-byte seed; throws on a bad checksum or length. */
export function decodeSeed(seed: string): { role: number; raw: Uint8Array } {
  const bytes = base32Decode(seed.trim());
  if (bytes.length !== 36) throw new Error('an nkey seed holds 32 bytes');
  const crc = bytes[34] | (bytes[35] << 8);
  if (crc16(bytes.subarray(0, 34)) !== crc) throw new Error('the nkey seed has a bad checksum');
  if ((bytes[0] & 0xf8) !== NKEY_PREFIX.seed) throw new Error('not an nkey seed');
  return { role: ((bytes[0] & 7) << 5) | (bytes[1] >> 3), raw: bytes.subarray(2, 34) };
}
