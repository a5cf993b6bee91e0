import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../cli-error';
import { functionEnvironment, loadStack, selectFunctions } from './stack.loader';

describe('loadStack', () => {
  let dir: string;
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'stack-spec-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the faas-cli schema with defaults', async () => {
    const file = write(
      'stack.yml',
      'version: 1.0\nprovider:\n  name: openfaas\n  gateway: http://gw:8080\nfunctions:\n  one:\n    lang: node20\n    handler: ./one\n    environment:\n      N: 1\n      B: true\n    labels: {a: b}\n    limits: {memory: 128Mi}\n  two:\n    image: img:1\n    fprocess: cat\n    secrets: [s1]\nconfiguration:\n  copy: [./common]\n',
    );
    const stack = await loadStack(file);
    expect(stack.gateway).toBe('http://gw:8080');
    expect(stack.copy).toEqual(['./common']);
    expect(stack.functions.map((f) => f.name)).toEqual(['one', 'two']);
    expect(stack.functions[0]).toMatchObject({
      lang: 'node20',
      handler: './one',
      environment: { N: '1', B: 'true' },
      labels: { a: 'b' },
      limits: { memory: '128Mi' },
    });
    expect(stack.functions[1]).toMatchObject({ image: 'img:1', fprocess: 'cat', secrets: ['s1'], lines: { _: 14, image: 15 } });
  });

  it.each([
    ['functions:\n  a:\n    image: x\n   lang: y\n', /:4: YAML syntax error/],
    ['provider:\n  name: other\nfunctions:\n  a:\n    image: x\n', /:2: provider.name must be openfaas or skiff/],
    ['functions:\n  A_b:\n    image: x\n', /:2: function name "A_b" is invalid/],
    ['functions:\n  a:\n    image: x\n  a:\n    image: y\n', /:4: duplicate key/],
    ['functions:\n  a:\n    lang: node20\n', /:3: function a has lang node20 but no handler/],
    ['functions:\n  a:\n    handler: ./a\n', /:2: function a needs lang/],
    ['functions:\n  a:\n    image: x\n    environment: [1]\n', /:4: environment of function a must be a map/],
    ['functions:\n  a:\n    image: x\n    limits: {gpu: 1}\n', /:4: limits of function a accepts memory and cpu/],
    ['version: 2.0\nfunctions:\n  a:\n    image: x\n', /:1: version must be 1.0/],
    ['functions: {}\n', /functions: must list at least one function/],
  ])('refuses %j with file and line', async (text, message) => {
    const file = write('bad.yml', text);
    const err = await loadStack(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(2);
    expect((err as CliError).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    expect((err as CliError).message).toMatch(message);
  });

  it('selects by glob or regex and merges environment files', async () => {
    write('env.yml', 'environment:\n  FROM: file\n  BOTH: file\n');
    const stack = await loadStack(
      write(
        's.yml',
        'functions:\n  api-one:\n    image: x\n    environment: {BOTH: inline, IN: "1"}\n    environment_file: [env.yml]\n  api-two:\n    image: y\n  web:\n    image: z\n',
      ),
    );
    expect(selectFunctions(stack, 'api-*').map((f) => f.name)).toEqual(['api-one', 'api-two']);
    expect(selectFunctions(stack, undefined, '^w').map((f) => f.name)).toEqual(['web']);
    expect(() => selectFunctions(stack, 'nothing*')).toThrow(/no function/);
    expect(() => selectFunctions(stack, 'a', 'b')).toThrow(/either --filter or --regex/);
    expect(functionEnvironment(stack, stack.functions[0])).toEqual({ BOTH: 'file', IN: '1', FROM: 'file' });
  });
});
