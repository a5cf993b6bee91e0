import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECRETS_KEY_FILE, SecretCipher, loadSecretsKey } from './secret-cipher';

describe('SecretCipher', () => {
  const cipher = new SecretCipher(Buffer.alloc(32, 7));

  it('round-trips bytes and never stores the plain value', () => {
    const sealed = cipher.seal(Buffer.from('hunter2'), 'openfaas-fn.db');
    expect(JSON.stringify(sealed)).not.toContain('hunter2');
    expect(JSON.stringify(sealed)).not.toContain(Buffer.from('hunter2').toString('base64'));
    expect(cipher.open(sealed, 'openfaas-fn.db').toString()).toBe('hunter2');
  });

  it('refuses another context or another key', () => {
    const sealed = cipher.seal(Buffer.from('x'), 'a.b');
    expect(() => cipher.open(sealed, 'a.c')).toThrow();
    expect(() => new SecretCipher(Buffer.alloc(32, 8)).open(sealed, 'a.b')).toThrow();
  });
});

describe('loadSecretsKey', () => {
  it('generates a 0600 key file once, or takes SKIFF_SECRETS_KEY', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-key-'));
    try {
      const first = loadSecretsKey(dir, undefined);
      expect(first.key).toHaveLength(32);
      expect(statSync(join(dir, SECRETS_KEY_FILE)).mode & 0o777).toBe(0o600);
      expect(loadSecretsKey(dir, undefined).key.equals(first.key)).toBe(true);
      const env = Buffer.alloc(32, 1).toString('base64');
      expect(loadSecretsKey(dir, env)).toEqual({ key: Buffer.alloc(32, 1), source: 'SKIFF_SECRETS_KEY' });
      expect(() => loadSecretsKey(dir, 'c2hvcnQ=')).toThrow(/32 bytes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
