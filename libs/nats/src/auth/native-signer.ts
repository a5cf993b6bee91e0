import { KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { Authenticator } from 'nats';
import type { KeyPair } from '@nats-io/nkeys';
import { NKEY_PREFIX, decodeSeed, encodeNkey } from './nkey-codec';

// DER prefix of an Ed25519 private key (PKCS#8) around its 32-byte seed.
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
// Length of the DER prefix of an Ed25519 public key (SPKI) before its 32 bytes.
const SPKI_ED25519_LENGTH = 12;

/**
 * An nkey whose keys and signatures come from Node's own Ed25519 (OpenSSL) instead of the JavaScript
 * one the nkeys library carries: the same results (Ed25519 is deterministic), in about 0.1 ms instead
 * of 6–30 ms each. A replica signs the server's nonce when it connects and the provider mints its
 * credentials when it starts: both are on the cold-start path.
 */
export function nativeKeyPair(seed: Uint8Array | string): KeyPair {
  const text = typeof seed === 'string' ? seed : new TextDecoder().decode(seed);
  const encoded = new TextEncoder().encode(text.trim());
  const { raw: rawSeed, role } = decodeSeed(text);
  const key: KeyObject = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, rawSeed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(key);
  const rawPublic = (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(SPKI_ED25519_LENGTH);
  const encodedPublic = encodeNkey(role, new Uint8Array(rawPublic));
  const encodedPrivate = new TextEncoder().encode(encodeNkey(NKEY_PREFIX.private, new Uint8Array(Buffer.concat([rawSeed, rawPublic]))));
  return {
    getPublicKey: () => encodedPublic,
    getPrivateKey: () => encodedPrivate,
    getSeed: () => encoded,
    sign: (data: Uint8Array) => new Uint8Array(sign(null, data, key)),
    verify: (data: Uint8Array, sig: Uint8Array) => verify(null, data, publicKey, sig),
    clear: () => void encoded.fill(0),
    seal: () => {
      throw new Error('an Ed25519 nkey cannot seal');
    },
    open: () => {
      throw new Error('an Ed25519 nkey cannot open');
    },
  };
}

/** A new user nkey made with Node's Ed25519: its public key (`U…`) and its seed (`SU…`). */
export function newUserKey(): { publicKey: string; seed: Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const rawSeed = (privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer).subarray(PKCS8_ED25519.length);
  const rawPublic = (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(SPKI_ED25519_LENGTH);
  return {
    publicKey: encodeNkey(NKEY_PREFIX.user, new Uint8Array(rawPublic)),
    seed: new TextEncoder().encode(encodeNkey(NKEY_PREFIX.user, new Uint8Array(rawSeed), true)),
  };
}

const CREDS_BLOCK = /-{3,}[^\n]*-{3,}\n([\s\S]+?)\n\s*-{3,}[^\n]*-{3,}/g;

/**
 * A nats.js authenticator for a `.creds` file (user JWT and seed) that signs the server's nonce with
 * Node's Ed25519; `creds` is read at every (re)connect when it is a function.
 */
export function credsAuthenticator(creds: Uint8Array | (() => Uint8Array)): Authenticator {
  let cached: { text: string; jwt: string; pair: KeyPair } | undefined;
  return (nonce?: string) => {
    const text = new TextDecoder().decode(typeof creds === 'function' ? creds() : creds);
    if (cached?.text !== text) {
      const blocks = [...text.matchAll(CREDS_BLOCK)].map((m) => m[1].trim());
      if (blocks.length < 2) throw new Error('not a NATS credentials file (a user JWT and an nkey seed)');
      cached = { text, jwt: blocks[0], pair: nativeKeyPair(blocks[1]) };
    }
    const sig = nonce ? Buffer.from(cached.pair.sign(new TextEncoder().encode(nonce))).toString('base64') : '';
    return { jwt: cached.jwt, nkey: cached.pair.getPublicKey(), sig };
  };
}
