import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD_FILE, loadAdminCredentials } from './admin-credentials';

describe('loadAdminCredentials', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'skiff-auth-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a password once, stores it with mode 0600 and reuses it', () => {
    const first = loadAdminCredentials({ SKIFF_DATA_DIR: dir });
    expect(first).toMatchObject({ user: 'admin', source: 'generated', file: join(dir, ADMIN_PASSWORD_FILE) });
    expect(first.password.length).toBeGreaterThanOrEqual(20);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(readFileSync(first.file, 'utf8').trim()).toBe(first.password);
    expect(loadAdminCredentials({ SKIFF_DATA_DIR: dir })).toMatchObject({ password: first.password, source: 'file' });
  });

  it('prefers SKIFF_ADMIN_PASSWORD and trims a stored password', () => {
    writeFileSync(join(dir, ADMIN_PASSWORD_FILE), '  stored \n');
    expect(loadAdminCredentials({ SKIFF_DATA_DIR: dir }).password).toBe('stored');
    expect(loadAdminCredentials({ SKIFF_DATA_DIR: dir, SKIFF_ADMIN_PASSWORD: 'from-env' })).toMatchObject({
      password: 'from-env',
      source: 'env',
    });
  });
});
