import { createServer, Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { HttpClient, Platform, waitFor } from '@skiff/testing';
import { SkiffSandbox, WHEEL_SCRIPT } from './cli-harness';

jest.setTimeout(180_000);

describe('skiff CLI against a running platform', () => {
  let platform: Platform;
  let sandbox: SkiffSandbox;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'skiff-cli-data-'));
    platform = await Platform.start({
      services: ['provider', 'gateway', 'queue-worker'],
      // An empty SKIFF_ADMIN_PASSWORD makes the gateway generate one in the data dir, which the CLI must find by itself.
      env: {
        SKIFF_DATA_DIR: dataDir,
        SKIFF_ADMIN_PASSWORD: '',
        SKIFF_BUNDLE_SWEEP_MS: '300',
        SKIFF_BUNDLE_CACHE_GRACE_MS: '0',
        SKIFF_MAX_BUNDLE_BYTES: '3000000',
        SKIFF_CALLBACK_ALLOW: '127.0.0.1/32',
      },
    });
    sandbox = new SkiffSandbox({ SKIFF_URL: platform.url(), SKIFF_DATA_DIR: dataDir });
  });

  afterAll(async () => {
    await platform?.stop();
    sandbox?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** skiff that must succeed; a failure also shows what the platform printed (replica crashes, rollouts). */
  const ok = async (args: string[], options: Parameters<SkiffSandbox['run']>[1] = {}) => {
    try {
      return await sandbox.ok(args, options);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- platform (last lines) ---\n${platform.logs().slice(-6000)}`);
    }
  };

  const deployedNames = async (): Promise<string[]> =>
    (JSON.parse((await sandbox.ok(['list', '--json'])).stdout) as Array<{ name: string }>).map((f) => f.name).sort();

  it.each([
    ['node20', '{"status":"Received input: \\"hi\\""}'],
    ['node20-http', '{"status":"Received input: \\"hi\\""}'],
    ['node', '{"status":"done","received":"hi"}'],
    ['python3', 'hi'],
    ['python3-http', 'Hello from Python: hi'],
    ['bash', 'hi'],
  ])('skiff new --lang %s, up, invoke', async (lang, answer) => {
    const name = `fn-${lang.replace(/[^a-z0-9]/g, '')}`;
    const created = await sandbox.ok(['new', name, '--lang', lang]);
    expect(created.stderr).toContain(`Function ${name} added to stack.yml`);
    expect(existsSync(join(sandbox.project, name))).toBe(true);
    const up = await ok(['up', '--filter', name]);
    expect(up.stdout.trim()).toBe(`${platform.url()}/function/${name}`);
    expect((await sandbox.ok(['invoke', name], { input: 'hi' })).stdout).toBe(answer);
  });

  it('builds the dockerfile template only as a Docker context', async () => {
    await sandbox.ok(['new', 'fn-docker', '--lang', 'dockerfile']);
    const refused = await sandbox.run(['build', '--filter', 'fn-docker']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/stack\.yml:\d+: .*--docker/);
    // No engine here (test/docker builds real images): the CLI writes the contexts and says how to build them.
    const noEngine = { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } };
    await sandbox.ok(['build', '--docker', '--filter', 'fn-docker'], noEngine);
    expect(existsSync(join(sandbox.project, 'build', 'fn-docker', 'Dockerfile'))).toBe(true);
    await sandbox.ok(['build', '--docker', '--filter', 'fn-node20'], noEngine);
    // The image's entrypoint is Skiff's watchdog (copied from skiff/watchdog:dev), not OpenFaaS's fwatchdog.
    expect(readFileSync(join(sandbox.project, 'build', 'fn-node20', 'Dockerfile'), 'utf8')).toContain('/opt/skiff/app/dist/apps/watchdog');
  });

  it('reuses an unchanged bundle and rolls out a changed one', async () => {
    const again = await ok(['up', '--filter', 'fn-node20']);
    expect(again.stderr).toContain('Unchanged fn-node20');
    expect(again.stderr).toContain('is up to date');
    const handler = join(sandbox.project, 'fn-node20', 'handler.js');
    writeFileSync(handler, "module.exports = async (event) => 'v2:' + event.body;\n");
    const changed = await ok(['up', '--filter', 'fn-node20']);
    expect(changed.stderr).toContain('Built fn-node20');
    // Rolling update, as with OpenFaaS: the old replica answers until the new one is ready.
    await waitFor(
      'the new version to answer',
      async () => ((await sandbox.ok(['invoke', 'fn-node20'], { input: 'x' })).stdout === 'v2:x' ? true : undefined),
      30_000,
      250,
    );
    const rebuilt = await sandbox.ok(['build', '--filter', 'fn-node20', '--no-cache']);
    expect(rebuilt.stderr).toContain('Built fn-node20');
  });

  it('installs npm dependencies of the handler into the bundle (file: dependency, offline)', async () => {
    const lib = join(sandbox.project, 'libs', 'greeting');
    mkdirSync(lib, { recursive: true });
    writeFileSync(join(lib, 'package.json'), JSON.stringify({ name: 'greeting', version: '1.0.0', main: 'index.js' }));
    writeFileSync(join(lib, 'index.js'), "module.exports = (who) => 'hello ' + who;\n");
    await sandbox.ok(['new', 'fn-deps', '--lang', 'node20']);
    writeFileSync(
      join(sandbox.project, 'fn-deps', 'package.json'),
      JSON.stringify({ name: 'fn-deps', version: '1.0.0', dependencies: { greeting: 'file:../libs/greeting' } }),
    );
    writeFileSync(
      join(sandbox.project, 'fn-deps', 'handler.js'),
      "const greet = require('greeting');\nmodule.exports = async (event) => greet(event.body);\n",
    );
    await ok(['up', '--filter', 'fn-deps']);
    expect((await sandbox.ok(['invoke', 'fn-deps'], { input: 'skiff' })).stdout).toBe('hello skiff');
  });

  it('installs requirements.txt with pip into a python bundle (local wheel, no index)', async () => {
    const wheels = join(sandbox.root, 'wheels');
    mkdirSync(wheels, { recursive: true });
    const { execFileSync } = await import('node:child_process');
    execFileSync('python3', ['-c', WHEEL_SCRIPT, wheels]);
    await sandbox.ok(['new', 'fn-pip', '--lang', 'python3-http']);
    writeFileSync(join(sandbox.project, 'fn-pip', 'requirements.txt'), 'skifftestpkg\n');
    writeFileSync(
      join(sandbox.project, 'fn-pip', 'handler.py'),
      'import skifftestpkg\n\ndef handle(event, context):\n    return {"statusCode": 200, "body": str(skifftestpkg.VALUE)}\n',
    );
    await ok(['up', '--filter', 'fn-pip'], { env: { PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels } });
    expect((await sandbox.ok(['invoke', 'fn-pip'])).stdout).toBe('42');
  });

  it('lists and describes functions for people and for scripts', async () => {
    const table = (await sandbox.ok(['list'])).stdout;
    expect(table).toMatch(/^Function\s+Invocations\s+Replicas/);
    expect(table).toMatch(/fn-bash\s+\d+\s+1/);
    expect((await sandbox.ok(['ls', '-v'])).stdout).toMatch(/Image\s+CreatedAt[\s\S]*fn-bash\s+\d+\s+1\s+fn-bash:latest/);
    expect((await sandbox.ok(['list', '-q'])).stdout.split('\n')).toContain('fn-python3');
    const json = JSON.parse((await sandbox.ok(['list', '--json'])).stdout) as Array<{ name: string; image: string }>;
    expect(json.find((f) => f.name === 'fn-bash')?.image).toBe('fn-bash:latest');
    const described = (await sandbox.ok(['describe', 'fn-bash'])).stdout;
    expect(described).toMatch(/Name:\s+fn-bash/);
    expect(described).toMatch(/Status:\s+Ready/);
    expect(described).toMatch(/Function Process:\s+sh function\/handler.sh/);
    expect(described).toContain(`URL:                ${platform.url()}/function/fn-bash`);
    expect(described).toContain(`${platform.url()}/async-function/fn-bash`);
    const d = JSON.parse((await sandbox.ok(['describe', 'fn-python3', '--json'])).stdout);
    expect(d).toMatchObject({ name: 'fn-python3', image: 'fn-python3:latest', envProcess: 'python3 index.py', availableReplicas: 1 });
    const missing = await sandbox.run(['describe', 'nope']);
    expect(missing.code).toBe(5);
  });

  it('deploys any binary with --image --name --fprocess and invokes it with headers, query, method', async () => {
    await sandbox.ok([
      'deploy',
      '--image',
      'ghcr.io/openfaas/alpine:latest',
      '--name',
      'show-env',
      '--fprocess',
      'env',
      '-e',
      'FOO=bar',
      '-l',
      'team=cli',
      '--annotation',
      'note=yes',
    ]);
    const out = (await sandbox.ok(['invoke', 'show-env', '-H', 'X-Test: 1', '--query', 'a=b', '-m', 'PUT'], { input: 'x' })).stdout;
    expect(out).toContain('FOO=bar');
    expect(out).toContain('Http_X_Test=1');
    expect(out).toContain('Http_Query=a=b');
    expect(out).toContain('Http_Method=PUT');
    const d = JSON.parse((await sandbox.ok(['describe', 'show-env', '--json'])).stdout);
    expect(d.labels).toMatchObject({ team: 'cli' });
    expect(d.annotations).toMatchObject({ note: 'yes' });
    expect(d.envProcess).toBe('env');
  });

  it('invokes asynchronously, with a callback', async () => {
    let callback: (body: string) => void = () => undefined;
    const received = new Promise<string>((resolve) => (callback = resolve));
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.end();
        callback(Buffer.concat(chunks).toString());
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`;
      const r = await sandbox.ok(['invoke', 'fn-bash', '--async', '--callback-url', url], { input: 'later' });
      expect(r.stderr).toContain('Function submitted asynchronously.');
      expect(r.stdout.trim()).toMatch(/^[0-9a-f-]{8,}/);
      expect(await received).toBe('later');
    } finally {
      server.close();
    }
    expect((await sandbox.run(['invoke', 'fn-bash', '--callback-url', 'http://x'])).code).toBe(2);
  });

  it('scales a function', async () => {
    await sandbox.ok(['scale', 'fn-bash', '--replicas', '2']);
    await waitFor(
      'two ready replicas',
      async () => {
        const d = JSON.parse((await sandbox.ok(['describe', 'fn-bash', '--json'])).stdout);
        return d.availableReplicas === 2 || undefined;
      },
      30_000,
      250,
    );
    expect((await sandbox.run(['scale', 'fn-bash', '--replicas', 'many'])).code).toBe(2);
  });

  it('lists pushed bundles and refuses bad uploads with a reason', async () => {
    const client = platform.client();
    const auth = await authHeader();
    const list = await client.get('/system/bundles', { headers: auth });
    expect(list.status).toBe(200);
    const record = JSON.parse(readFileSync(join(sandbox.project, 'build', 'fn-bash.bundle.json'), 'utf8'));
    expect(list.json<Array<{ image: string; digest: string }>>()).toEqual(
      expect.arrayContaining([expect.objectContaining({ image: 'fn-bash:latest', digest: record.digest })]),
    );
    const tarball = readFileSync(join(sandbox.project, 'build', 'fn-bash.bundle.tar.gz'));
    const put = (body: Buffer, digest: string) =>
      client.put('/system/bundles/bad:1', body, {
        headers: { ...auth, 'content-type': 'application/gzip', 'x-skiff-bundle-digest': digest },
      });
    const { createHash } = await import('node:crypto');
    const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
    const corrupt = Buffer.concat([tarball.subarray(0, 100), Buffer.alloc(50, 7)]);
    expect((await put(corrupt, sha(corrupt))).text).toMatch(/bundle refused: corrupt/);
    expect((await put(corrupt, sha(corrupt))).status).toBe(400);
    const mismatch = await put(tarball, sha(Buffer.from('other')));
    expect([mismatch.status, mismatch.text]).toEqual([400, expect.stringMatching(/digest mismatch/)]);
    const noDigest = await client.put('/system/bundles/bad:1', tarball, { headers: { ...auth, 'content-type': 'application/gzip' } });
    expect([noDigest.status, noDigest.text]).toEqual([400, expect.stringMatching(/X-Skiff-Bundle-Digest/)]);
    const big = Buffer.alloc(4_000_000, 1);
    const tooLarge = await put(big, sha(big));
    expect([tooLarge.status, tooLarge.text]).toEqual([413, expect.stringMatching(/larger than the limit/)]);
    expect((await client.get('/system/bundles/bad:1', { headers: auth })).status).toBe(404);
    const spare = () =>
      client.put('/system/bundles/team/spare:1.0', tarball, {
        headers: { ...auth, 'content-type': 'application/gzip', 'x-skiff-bundle-digest': sha(tarball) },
      });
    expect((await spare()).status).toBe(201);
    expect((await spare()).status).toBe(200);
    expect((await client.get('/system/bundles/team/spare:1.0', { headers: auth })).json()).toMatchObject({
      image: 'team/spare:1.0',
      digest: sha(tarball),
      size: tarball.length,
    });
    expect((await client.delete('/system/bundles/team/spare:1.0', undefined, { headers: auth })).status).toBe(202);
    expect((await client.get('/system/bundles/team/spare:1.0', { headers: auth })).status).toBe(404);
    expect((await new HttpClient(platform.url()).get('/system/bundles')).status).toBe(401);
    expect(
      (
        await client.put('/system/bundles/Bad..name', tarball, {
          headers: { ...auth, 'content-type': 'application/gzip', 'x-skiff-bundle-digest': sha(tarball) },
        })
      ).status,
    ).toBe(400);
  });

  it('removes functions, and the provider cleans up bundles no function uses', async () => {
    const cache = join(dataDir, 'bundles');
    expect(readdirSync(cache).length).toBeGreaterThan(0);
    expect(statSync(cache).isDirectory()).toBe(true);
    const r = await sandbox.ok(['remove', 'fn-bash']);
    expect(r.stdout).toContain('Removed: fn-bash');
    expect((await sandbox.run(['invoke', 'fn-bash'])).code).toBe(5);
    await sandbox.ok(['remove']);
    await sandbox.ok(['rm', 'show-env']);
    expect(await deployedNames()).toEqual([]);
    await waitFor('bundle cache emptied', async () => (readdirSync(cache).length === 0 ? true : undefined), 30_000, 200);
  });

  /** The admin credentials the gateway generated (when auth is on), read like the CLI does. */
  async function authHeader(): Promise<Record<string, string>> {
    const file = join(dataDir, 'admin-password');
    if (!existsSync(file)) return {};
    return { authorization: `Basic ${Buffer.from(`admin:${readFileSync(file, 'utf8').trim()}`).toString('base64')}` };
  }
});
