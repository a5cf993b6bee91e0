import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Platform } from '@skiff/testing';
import { SkiffSandbox } from './cli-harness';

jest.setTimeout(240_000);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { seedStore, seedEnabled, SEED_FUNCTIONS } = require('../../store/seed') as {
  seedStore: (o: { gatewayUrl: string; dataDir: string; repoRoot: string; env?: NodeJS.ProcessEnv }) => Promise<string | undefined>;
  seedEnabled: (env: NodeJS.ProcessEnv) => boolean;
  SEED_FUNCTIONS: string[];
};

const STORE_FILE = resolve(__dirname, '..', '..', 'store', 'functions.json');

describe('function store', () => {
  let platform: Platform;
  let sandbox: SkiffSandbox;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'skiff-store-data-'));
    platform = await Platform.start({ env: { SKIFF_DATA_DIR: dataDir, SKIFF_ADMIN_PASSWORD: '' } });
    sandbox = new SkiffSandbox({ SKIFF_URL: platform.url(), SKIFF_DATA_DIR: dataDir });
  });

  afterAll(async () => {
    await platform?.stop();
    sandbox?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is served by the gateway at /system/store in the OpenFaaS store v2 format', async () => {
    const run = await sandbox.ok(['store', 'list', '--json']);
    const listed = JSON.parse(run.stdout) as Array<{ name: string }>;
    const file = JSON.parse(readFileSync(STORE_FILE, 'utf8')) as { version: string; functions: Array<Record<string, unknown>> };
    expect(file.version).toMatch(/^0\.2\./);
    expect(listed.map((f) => f.name)).toEqual(file.functions.map((f) => f.name));
    for (const f of file.functions) {
      expect(f).toEqual(
        expect.objectContaining({
          title: expect.any(String),
          name: expect.any(String),
          description: expect.any(String),
          images: expect.objectContaining({ x86_64: expect.any(String) }),
        }),
      );
    }
    expect(listed.map((f) => f.name)).toEqual(
      expect.arrayContaining([
        'echoit',
        'wordcount',
        'markdown',
        'nodeinfo',
        'base64-decode',
        'webhookstash',
        'sha512sum',
        'env',
        'jsonfmt',
      ]),
    );
    expect((await sandbox.ok(['store', 'list'])).stdout).toMatch(/^Function\s+Author\s+Description/);
    expect((await sandbox.ok(['store', 'list', '--url', STORE_FILE, '--json'])).stdout).toBe(run.stdout);
  });

  it('describes a store function', async () => {
    const text = (await sandbox.ok(['store', 'describe', 'markdown'])).stdout;
    expect(text).toMatch(/Name:\s+markdown/);
    expect(text).toMatch(/Built from:\s+functions\/markdown \(node20\)/);
    expect(JSON.parse((await sandbox.ok(['store', 'describe', 'echoit', '--json'])).stdout)).toMatchObject({
      name: 'echoit',
      fprocess: 'cat',
    });
    expect((await sandbox.run(['store', 'describe', 'nothing-like-it'])).code).toBe(5);
  });

  it.each([
    ['markdown', '# hi\n', '<h1>hi</h1>\n'],
    ['echoit', 'hello', 'hello'],
    ['wordcount', 'one two\n', /^\s*1\s+2\s+8\s*$/],
    ['base64-decode', 'aGVsbG8=', 'hello'],
    ['sha512sum', 'abc', /^ddaf35a193617aba[0-9a-f]+\s+-\s*$/],
    ['env', '', /Http_Method=POST/],
    ['nodeinfo', '', /"hostname":/],
    ['jsonfmt', '{"b":1,"a":2}', '{\n  "a": 2,\n  "b": 1\n}\n'],
  ])('store deploy %s works offline', async (name, input, expected) => {
    await sandbox.ok(['store', 'deploy', name]);
    const out = (await sandbox.ok(['invoke', name], { input })).stdout;
    if (typeof expected === 'string') expect(out).toBe(expected);
    else expect(out).toMatch(expected);
  });

  it('webhookstash keeps the last payloads', async () => {
    await sandbox.ok(['store', 'deploy', 'webhookstash', '--name', 'stash', '-e', 'STASH_SIZE=2']);
    for (const n of [1, 2, 3])
      await sandbox.ok(['invoke', 'stash', '--content-type', 'application/json'], { input: JSON.stringify({ n }) });
    const kept = JSON.parse((await sandbox.ok(['invoke', 'stash', '-m', 'GET'])).stdout) as Array<{ body: { n: number } }>;
    expect(kept.map((k) => k.body.n)).toEqual([3, 2]);
    expect(JSON.parse((await sandbox.ok(['describe', 'stash', '--json'])).stdout).envVars).toMatchObject({ STASH_SIZE: '2' });
  });

  it('seeds a fresh data dir once, unless SKIFF_SEED=false', async () => {
    expect(seedEnabled({ SKIFF_SEED: 'false' })).toBe(false);
    expect(seedEnabled({ SKIFF_SEED: 'off' })).toBe(false);
    expect(seedEnabled({})).toBe(true);
    const repoRoot = resolve(__dirname, '..', '..');
    // The platform's own data dir, as with npm start: the seed's CLI finds the generated admin password there.
    const env = { ...process.env, HOME: sandbox.home, SKIFF_ADMIN_PASSWORD: '' };
    const marker = join(dataDir, 'store-seeded');
    expect(await seedStore({ gatewayUrl: platform.url(), dataDir, repoRoot, env: { ...env, SKIFF_SEED: 'false' } })).toMatch(/skipped/);
    expect(existsSync(marker)).toBe(false);
    await sandbox.run(['remove', ...SEED_FUNCTIONS]);
    const outcome = await seedStore({ gatewayUrl: platform.url(), dataDir, repoRoot, env });
    expect(outcome).toMatch(/deployed store functions/);
    expect(existsSync(marker)).toBe(true);
    const names = (JSON.parse((await sandbox.ok(['list', '--json'])).stdout) as Array<{ name: string }>).map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(SEED_FUNCTIONS));
    expect(await seedStore({ gatewayUrl: platform.url(), dataDir, repoRoot, env })).toBeUndefined();
  });
});
