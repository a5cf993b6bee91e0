import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Platform, waitFor } from '@skiff/testing';
import { SKIFF_BIN, SkiffSandbox } from './cli-harness';

jest.setTimeout(180_000);

/** Credentials, secrets and logs: the gateway's basic auth, /system/secrets and /system/logs. */
describe('skiff login, secret and logs', () => {
  let platform: Platform;
  let sandbox: SkiffSandbox;
  let dataDir: string;
  let password: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'skiff-auth-data-'));
    platform = await Platform.start({ env: { SKIFF_DATA_DIR: dataDir, SKIFF_ADMIN_PASSWORD: '' } });
    password = readFileSync(join(dataDir, 'admin-password'), 'utf8').trim();
    sandbox = new SkiffSandbox({ SKIFF_URL: platform.url(), SKIFF_DATA_DIR: dataDir });
  });

  afterAll(async () => {
    await platform?.stop();
    sandbox?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds the generated admin password of a local platform by itself', async () => {
    await sandbox.ok(['list']);
  });

  it('asks for a login when it has no credentials, keeps them per gateway in a 0600 file, and forgets them', async () => {
    const elsewhere = { SKIFF_DATA_DIR: join(sandbox.root, 'no-platform-here') };
    const none = await sandbox.run(['list'], { env: elsewhere });
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('skiff login');
    const wrong = await sandbox.run(['login', '--password-stdin'], { input: 'not-it\n', env: elsewhere });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/wrong user name or password/);
    const ok = await sandbox.ok(['login', '-u', 'admin', '--password-stdin'], { input: `${password}\n`, env: elsewhere });
    expect(ok.stdout).toContain(`Credentials saved for admin ${platform.url()}`);
    const file = join(sandbox.home, '.skiff', 'config.yml');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(Buffer.from(`admin:${password}`).toString('base64'));
    await sandbox.ok(['list'], { env: elsewhere });
    expect((await sandbox.ok(['logout'], { env: elsewhere })).stdout).toContain(`Credentials removed for ${platform.url()}`);
    expect((await sandbox.run(['list'], { env: elsewhere })).code).toBe(3);
    expect((await sandbox.run(['login'], { env: elsewhere })).code).toBe(2);
  });

  it('creates, lists, updates and removes secrets', async () => {
    await sandbox.ok(['secret', 'create', 'api-key', '--from-literal', 'one']);
    writeFileSync(join(sandbox.root, 'cert.bin'), Buffer.from([0, 1, 2, 255]));
    await sandbox.ok(['secret', 'create', 'cert', '--from-file', join(sandbox.root, 'cert.bin')]);
    await sandbox.ok(['secret', 'create', 'piped'], { input: '  from stdin \n' });
    const listed = JSON.parse((await sandbox.ok(['secret', 'list', '--json'])).stdout) as Array<{ name: string; value?: string }>;
    expect(listed.map((s) => s.name)).toEqual(expect.arrayContaining(['api-key', 'cert', 'piped']));
    expect(listed.every((s) => s.value === undefined)).toBe(true);
    expect((await sandbox.ok(['secret', 'ls'])).stdout).toMatch(/Name\s+Namespace[\s\S]*api-key/);
    const again = await sandbox.run(['secret', 'create', 'api-key', '--from-literal', 'two']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    await sandbox.ok(['secret', 'create', 'api-key', '--from-literal', 'two', '--replace']);
    await sandbox.ok(['secret', 'update', 'api-key', '--from-literal', 'three']);
    expect((await sandbox.run(['secret', 'create', 'empty'], { input: '   ' })).code).toBe(2);
    await sandbox.ok([
      'deploy',
      '--image',
      'ghcr.io/openfaas/alpine:latest',
      '--name',
      'uses-secret',
      '--fprocess',
      'cat',
      '--secret',
      'api-key',
    ]);
    expect(JSON.parse((await sandbox.ok(['describe', 'uses-secret', '--json'])).stdout).secrets).toEqual(['api-key']);
    const missing = await sandbox.run([
      'deploy',
      '--image',
      'x',
      '--name',
      'no-secret',
      '--fprocess',
      'cat',
      '--secret',
      'not-there',
      '--no-wait',
    ]);
    expect(missing.code).not.toBe(0);
    await sandbox.ok(['remove', 'uses-secret']);
    for (const name of ['api-key', 'cert', 'piped']) await sandbox.ok(['secret', 'remove', name]);
    expect((JSON.parse((await sandbox.ok(['secret', 'list', '--json'])).stdout) as unknown[]).length).toBe(0);
    expect((await sandbox.run(['secret', 'remove', 'api-key'])).code).toBe(5);
  });

  it('prints, tails and follows function logs', async () => {
    await sandbox.ok(['new', 'talker', '--lang', 'node20']);
    writeFileSync(
      join(sandbox.project, 'talker', 'handler.js'),
      "module.exports = async (event) => { console.log('said ' + event.body); return 'ok'; };\n",
    );
    await sandbox.ok(['up']);
    await sandbox.ok(['invoke', 'talker'], { input: 'first' });
    const plain = await waitFor(
      'the first line in the logs',
      async () => {
        const r = await sandbox.ok(['logs', 'talker']);
        return r.stdout.includes('said first') ? r.stdout : undefined;
      },
      30_000,
      300,
    );
    expect(plain).toMatch(/talker \(talker-[^)]*\) said first/);
    const json = (await sandbox.ok(['logs', 'talker', '-o', 'json'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(json.some((m: { name: string; text: string }) => m.name === 'talker' && m.text.includes('said first'))).toBe(true);
    expect((await sandbox.ok(['logs', 'talker', '--since', '10m', '--tail', '1'])).stdout.trim().split('\n').length).toBe(1);
    expect((await sandbox.run(['logs', 'talker', '--tail', 'lots'])).code).toBe(2);
    expect((await sandbox.run(['logs', 'nobody'])).code).toBe(5);

    const follower = spawn(process.execPath, [SKIFF_BIN, 'logs', 'talker', '--follow', '--since', '1s'], {
      cwd: sandbox.project,
      env: { ...process.env, HOME: sandbox.home, NO_COLOR: '1', SKIFF_URL: platform.url(), SKIFF_DATA_DIR: dataDir },
    });
    let followed = '';
    follower.stdout.on('data', (c: Buffer) => (followed += c.toString()));
    try {
      await new Promise((r) => setTimeout(r, 1500));
      await sandbox.ok(['invoke', 'talker'], { input: 'second' });
      await waitFor('the followed line', async () => (followed.includes('said second') ? true : undefined), 30_000, 200);
      expect(follower.exitCode).toBeNull();
    } finally {
      follower.kill();
    }
    expect(existsSync(join(sandbox.project, 'build', 'talker.bundle.tar.gz'))).toBe(true);
  });
});
