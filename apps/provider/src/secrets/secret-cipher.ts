import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** File under SKIFF_DATA_DIR holding the key that encrypts secret values at rest (mode 0600). */
export const SECRETS_KEY_FILE = 'secrets.key';

/** Stored form of one secret value: AES-256-GCM, bound to its bucket key (so values cannot be swapped). */
export interface SealedValue {
  /** Format version. */
  v: 1;
  /** 12-byte nonce, base64. */
  iv: string;
  /** GCM tag, base64. */
  tag: string;
  /** Ciphertext, base64. */
  data: string;
}

/** Where the key comes from: SKIFF_SECRETS_KEY (base64 of 32 bytes) or the key file, generated once. */
export function loadSecretsKey(dataDir: string, fromEnv: string | undefined): { key: Buffer; source: string } {
  if (fromEnv?.trim()) {
    const key = Buffer.from(fromEnv.trim(), 'base64');
    if (key.length !== 32) throw new Error('SKIFF_SECRETS_KEY must be the base64 form of exactly 32 bytes (openssl rand -base64 32)');
    return { key, source: 'SKIFF_SECRETS_KEY' };
  }
  const file = join(resolve(dataDir), SECRETS_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(resolve(dataDir), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  chmodSync(file, 0o600);
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a base64 32-byte key; remove it only if no secret was stored with it`);
  return { key, source: file };
}

/** Encrypts and decrypts secret values with one 32-byte key. */
export class SecretCipher {
  constructor(private readonly key: Buffer) {}

  /** Seals `value`, authenticated together with `context` (the bucket key). */
  seal(value: Buffer, context: string): SealedValue {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(value), cipher.final()]);
    return { v: 1, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  /** Opens a sealed value; throws when the key or the context does not match. */
  open(sealed: SealedValue, context: string): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
  }
}
