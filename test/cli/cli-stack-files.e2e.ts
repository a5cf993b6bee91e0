import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Platform } from '@skiff/testing';
import { SkiffSandbox } from './cli-harness';

jest.setTimeout(180_000);

// The skiff CLI's checks of what it is given (stack files, flags, the gateway's address), and a stack
// file written for faas-cli deployed unchanged; cli-workflow.e2e.ts follows functions through their life.
describe('skiff CLI: stack files, gateways and usage', () => {
  let platform: Platform;
  let sandbox: SkiffSandbox;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'skiff-cli-stack-'));
    // An empty SKIFF_ADMIN_PASSWORD makes the gateway generate one in the data dir, which the CLI must find by itself.
    platform = await Platform.start({ services: ['provider', 'gateway'], env: { SKIFF_DATA_DIR: dataDir, SKIFF_ADMIN_PASSWORD: '' } });
    sandbox = new SkiffSandbox({ SKIFF_URL: platform.url(), SKIFF_DATA_DIR: dataDir });
    // A handler folder the stack files below name.
    await sandbox.ok(['new', 'fn-bash', '--lang', 'bash']);
  });

  afterAll(async () => {
    await platform?.stop();
    sandbox?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

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

  it('exits 4 when the gateway is unreachable and 2 on usage errors', async () => {
    const r = await sandbox.run(['list', '--gateway', 'http://127.0.0.1:1']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('Hint: start the platform');
    expect((await sandbox.run(['frobnicate'])).code).toBe(2);
    expect((await sandbox.run(['new', 'Bad_Name', '--lang', 'node20'])).code).toBe(2);
    expect((await sandbox.run(['new', 'ok-name', '--lang', 'cobol'])).code).toBe(2);
    expect((await sandbox.run(['invoke'])).code).toBe(2);
  });
});
