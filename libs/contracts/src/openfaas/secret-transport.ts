import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { IsBase64, IsIn, IsString, MaxLength } from 'class-validator';

/** Largest secret value in bytes (Kubernetes allows 1 MiB per secret; the bus needs headroom). */
export const SECRET_VALUE_MAX = 512 * 1024;

/** Name of the sealing scheme (kept in every sealed value). */
export const SEALED_SECRET_ALGORITHM = 'x25519-hkdf-sha256-aes-256-gcm';

/**
 * A secret value on its way from the gateway to the provider, sealed to the provider's transport key
 * (X25519 key agreement with a fresh key per value, HKDF-SHA256, AES-256-GCM bound to the secret's
 * namespace and name): whoever reads the bus sees no value, and a sealed value cannot be replayed
 * under another name. Only a provider (which holds the secrets key the transport key derives from)
 * can open it.
 */
export class SealedSecretValue {
  /** Format. */
  @IsIn([SEALED_SECRET_ALGORITHM], { message: 'sealed.alg: unknown sealing algorithm' })
  alg!: string;

  /** The sender's one-time X25519 public key, base64 (32 bytes). */
  @IsString({ message: 'sealed.epk: must be a string' })
  @IsBase64(undefined, { message: 'sealed.epk: must be base64' })
  @MaxLength(64, { message: 'sealed.epk: too long' })
  epk!: string;

  /** 12-byte nonce, base64. */
  @IsString({ message: 'sealed.iv: must be a string' })
  @IsBase64(undefined, { message: 'sealed.iv: must be base64' })
  @MaxLength(32, { message: 'sealed.iv: too long' })
  iv!: string;

  /** GCM tag, base64. */
  @IsString({ message: 'sealed.tag: must be a string' })
  @IsBase64(undefined, { message: 'sealed.tag: must be base64' })
  @MaxLength(32, { message: 'sealed.tag: too long' })
  tag!: string;

  /** Ciphertext, base64. */
  @IsString({ message: 'sealed.data: must be a string' })
  @IsBase64(undefined, { message: 'sealed.data: must be base64' })
  @MaxLength(Math.ceil(SECRET_VALUE_MAX / 3) * 4, { message: `sealed.data: must decode to at most ${SECRET_VALUE_MAX} bytes` })
  data!: string;
}

/** Answer of `provider.secret.transport-key`. */
export interface SecretTransportKey {
  /** The provider's X25519 public key, base64 (32 bytes). */
  publicKey: string;
  /** The scheme values must be sealed with. */
  alg: string;
}

// DER prefixes of an X25519 private key (PKCS#8) and public key (SPKI) around the raw 32 bytes.
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');

function publicKeyFromRaw(raw: Buffer): KeyObject {
  if (raw.length !== 32) throw new Error('a transport public key is 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_X25519, raw]), format: 'der', type: 'spki' });
}

function rawPublicKey(key: KeyObject): Buffer {
  return (key.export({ format: 'der', type: 'spki' }) as Buffer).subarray(SPKI_X25519.length);
}

function aesKey(shared: Buffer, epk: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([epk, recipient]), 'skiff secret transport v1', 32));
}

/** The provider's transport key pair, derived from its secrets key (so providers sharing one key share it). */
export function transportKeyPair(secretsKey: Buffer): { privateKey: KeyObject; publicKey: string } {
  const seed = createHmac('sha256', secretsKey).update('skiff secret transport key v1').digest();
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, seed]), format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: rawPublicKey(createPublicKey(privateKey)).toString('base64') };
}

/** Seals `value` to the provider's public key, bound to `context` (`<namespace>/<name>`). */
export function sealSecretValue(value: Buffer, providerPublicKey: string, context: string): SealedSecretValue {
  const recipient = Buffer.from(providerPublicKey, 'base64');
  const ephemeral = generateKeyPairSync('x25519');
  const epk = rawPublicKey(ephemeral.publicKey);
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: publicKeyFromRaw(recipient) });
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', aesKey(shared, epk, recipient), iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const data = Buffer.concat([cipher.update(value), cipher.final()]);
  return {
    alg: SEALED_SECRET_ALGORITHM,
    epk: epk.toString('base64'),
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

/** Opens a sealed value with the provider's private key; throws when it was sealed to another key or another context. */
export function openSecretValue(sealed: SealedSecretValue, keys: { privateKey: KeyObject; publicKey: string }, context: string): Buffer {
  const epk = Buffer.from(sealed.epk, 'base64');
  const shared = diffieHellman({ privateKey: keys.privateKey, publicKey: publicKeyFromRaw(epk) });
  const decipher = createDecipheriv(
    'aes-256-gcm',
    aesKey(shared, epk, Buffer.from(keys.publicKey, 'base64')),
    Buffer.from(sealed.iv, 'base64'),
  );
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
}

/** The context a secret's value is sealed to: its namespace and name. */
export function secretSealContext(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
