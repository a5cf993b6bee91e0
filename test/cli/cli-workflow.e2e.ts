import { createServer, Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { HttpClient, Platform, waitFor } from '@skiff/testing';
import { SkiffSandbox } from './cli-harness';

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

  it('version, ready and namespace list talk to the gateway', async () => {
    expect((await sandbox.ok(['ready', '--attempts', '5'])).stderr).toContain('is ready');
    const version = JSON.parse((await sandbox.ok(['version', '--json'])).stdout);
    expect(version.cli.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(version.gateway.provider.provider).toBeTruthy();
    expect((await sandbox.ok(['version', '--short-version'])).stdout.trim()).toBe(version.cli.version);
    expect(JSON.parse((await sandbox.ok(['namespace', 'list', '--json'])).stdout)).toEqual(expect.any(Array));
    expect((await sandbox.ok(['namespaces', 'list'])).stdout).toContain('Namespaces:');
  });

  it('lists every template', async () => {
    const names = (JSON.parse((await sandbox.ok(['template', 'list', '--json'])).stdout) as Array<{ name: string }>).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['bash', 'dockerfile', 'node', 'node20', 'node20-http', 'python3', 'python3-http']));
    expect((await sandbox.ok(['new', '--list'])).stdout).toContain('node20-http');
  });

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

  it('refuses bad stack files with file and line, and deploys nothing', async () => {
    const before = await deployedNames();
    const cases: Array<[string, string, RegExp]> = [
      [
        'syntax.yml',
        'provider:\n  name: openfaas\nfunctions:\n  a:\n    lang: node20\n    handler: ./a\n   image: x\n',
        /syntax\.yml:7: YAML syntax error/,
      ],
      [
        'lang.yml',
        'provider:\n  name: openfaas\nfunctions:\n  bad-lang:\n    lang: cobol\n    handler: ./fn-bash\n',
        /lang\.yml:5: unknown lang "cobol"/,
      ],
      [
        'handler.yml',
        'provider:\n  name: openfaas\nfunctions:\n  no-handler:\n    lang: node20\n    handler: ./missing\n',
        /handler\.yml:6: handler folder \.\/missing/,
      ],
      [
        'dup.yml',
        'provider:\n  name: openfaas\nfunctions:\n  twice:\n    lang: bash\n    handler: ./fn-bash\n  twice:\n    lang: bash\n    handler: ./fn-bash\n',
        /dup\.yml:7: duplicate key/,
      ],
      [
        'name.yml',
        'provider:\n  name: openfaas\nfunctions:\n  Bad_Name:\n    lang: bash\n    handler: ./fn-bash\n',
        /name\.yml:4: function name "Bad_Name" is invalid/,
      ],
      [
        'provider.yml',
        'provider:\n  name: lambda\nfunctions:\n  p:\n    image: x\n',
        /provider\.yml:2: provider\.name must be openfaas or skiff/,
      ],
      [
        'field.yml',
        'provider:\n  name: openfaas\nfunctions:\n  f:\n    image: x\n    colour: red\n',
        /field\.yml:6: unknown field "colour"/,
      ],
    ];
    for (const [file, text, message] of cases) {
      writeFileSync(join(sandbox.project, file), text);
      for (const command of ['up', 'deploy']) {
        const r = await sandbox.run([command, '-f', file]);
        expect({ file, command, code: r.code }).toEqual({ file, command, code: 2 });
        expect(r.stderr).toMatch(message);
      }
    }
    expect(await deployedNames()).toEqual(before);
  });

  it('deploys a stack.yml written for faas-cli unchanged and describes it as faas-cli users expect', async () => {
    const dir = join(sandbox.project, 'faas-cli-project');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'env.yml'), 'environment:\n  FROM_FILE: file\n  OVERRIDE: file\n');
    writeFileSync(
      join(dir, 'stack.yml'),
      [
        'version: 1.0',
        'provider:',
        '  name: openfaas',
        '  gateway: http://127.0.0.1:1',
        'functions:',
        '  wc-fn:',
        '    image: ghcr.io/openfaas/alpine:latest',
        '    fprocess: wc -c',
        '    namespace: openfaas-fn',
        '    environment:',
        '      INLINE: "1"',
        '      OVERRIDE: inline',
        '      GREETING: ${GREETING:-hello}',
        '    environment_file:',
        '      - env.yml',
        '    labels:',
        '      com.openfaas.scale.min: "1"',
        '    annotations:',
        '      topic: demo',
        '    limits:',
        '      memory: 128Mi',
        '    requests:',
        '      cpu: 100m',
        '    readonly_root_filesystem: true',
        '    build_args:',
        '      X: y',
        '',
      ].join('\n'),
    );
    // SKIFF_URL beats provider.gateway (which points nowhere).
    await sandbox.ok(['deploy', '-e', 'FLAG=1'], { cwd: dir });
    expect((await sandbox.ok(['invoke', 'wc-fn'], { input: 'abcd', cwd: dir })).stdout.trim()).toBe('4');
    const d = JSON.parse((await sandbox.ok(['describe', 'wc-fn', '--json'])).stdout);
    expect(d).toMatchObject({
      name: 'wc-fn',
      image: 'ghcr.io/openfaas/alpine:latest',
      envProcess: 'wc -c',
      namespace: 'openfaas-fn',
      envVars: { INLINE: '1', OVERRIDE: 'file', FROM_FILE: 'file', GREETING: 'hello', FLAG: '1' },
      labels: expect.objectContaining({ 'com.openfaas.scale.min': '1' }),
      annotations: expect.objectContaining({ topic: 'demo' }),
      limits: { memory: '128Mi' },
      requests: { cpu: '100m' },
      readOnlyRootFilesystem: true,
    });
    const text = (await sandbox.ok(['describe', 'wc-fn'])).stdout;
    expect(text).toMatch(/Function Process:\s+wc -c/);
    expect(text).toMatch(/Limits:\s+memory=128Mi/);
    // --gateway beats SKIFF_URL; with no flag and no variable, provider.gateway is used.
    expect((await sandbox.run(['list'], { cwd: dir, env: { SKIFF_URL: 'http://127.0.0.1:1' } })).code).toBe(4);
    await sandbox.ok(['list', '--gateway', platform.url()], { cwd: dir, env: { SKIFF_URL: 'http://127.0.0.1:1' } });
    const fromYaml = await sandbox.run(['list'], { cwd: dir, env: { SKIFF_URL: undefined } });
    expect(fromYaml.code).toBe(4);
    expect(fromYaml.stderr).toContain('http://127.0.0.1:1');
    await sandbox.ok(['remove'], { cwd: dir });
    expect(await deployedNames()).not.toContain('wc-fn');
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

  it('exits 4 when the gateway is unreachable and 2 on usage errors', async () => {
    const r = await sandbox.run(['list', '--gateway', 'http://127.0.0.1:1']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('Hint: start the platform');
    expect((await sandbox.run(['frobnicate'])).code).toBe(2);
    expect((await sandbox.run(['new', 'Bad_Name', '--lang', 'node20'])).code).toBe(2);
    expect((await sandbox.run(['new', 'ok-name', '--lang', 'cobol'])).code).toBe(2);
    expect((await sandbox.run(['invoke'])).code).toBe(2);
  });

  /** The admin credentials the gateway generated (when auth is on), read like the CLI does. */
  async function authHeader(): Promise<Record<string, string>> {
    const file = join(dataDir, 'admin-password');
    if (!existsSync(file)) return {};
    return { authorization: `Basic ${Buffer.from(`admin:${readFileSync(file, 'utf8').trim()}`).toString('base64')}` };
  }
});

/** Writes a minimal pure-Python wheel (skifftestpkg, VALUE = 42) into argv[1]. */
const WHEEL_SCRIPT = `
import base64, hashlib, os, sys, zipfile
files = {
  'skifftestpkg/__init__.py': b'VALUE = 42\\n',
  'skifftestpkg-1.0.dist-info/METADATA': b'Metadata-Version: 2.1\\nName: skifftestpkg\\nVersion: 1.0\\n',
  'skifftestpkg-1.0.dist-info/WHEEL': b'Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n',
}
record = [n + ',sha256=' + base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode() + ',' + str(len(d)) for n, d in files.items()]
files['skifftestpkg-1.0.dist-info/RECORD'] = ('\\n'.join(record + ['skifftestpkg-1.0.dist-info/RECORD,,']) + '\\n').encode()
with zipfile.ZipFile(os.path.join(sys.argv[1], 'skifftestpkg-1.0-py3-none-any.whl'), 'w') as z:
    for n, d in files.items():
        z.writestr(n, d)
`;
