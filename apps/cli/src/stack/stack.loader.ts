import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, Pair, parseDocument, YAMLMap } from 'yaml';
import { isDnsLabel } from '@skiff/contracts/names';
import { usageError } from '../cli-error';
import { envsubst } from './envsubst';
import { Stack, StackFunction, StackResources } from './stack.types';

/** Files tried when `-f` is not given, in order (faas-cli's). */
export const DEFAULT_STACK_FILES = ['stack.yaml', 'stack.yml'];

/** A stack problem: `file:line: reason`, exit code 2. */
function problem(file: string, line: number | undefined, reason: string) {
  return usageError(`${file}${line ? `:${line}` : ''}: ${reason}`);
}

/** The stack file to use: `-f` (path or URL), else stack.yaml / stack.yml in the working directory. */
export function stackPath(flag?: string): string | undefined {
  if (flag) return flag;
  return DEFAULT_STACK_FILES.find((f) => existsSync(f));
}

/** Reads the text of a stack file or URL. */
async function readStackText(file: string): Promise<string> {
  if (/^https?:\/\//.test(file)) {
    const res = await fetch(file).catch((err: Error) => {
      throw usageError(`cannot fetch ${file}: ${err.message}`);
    });
    if (!res.ok) throw usageError(`cannot fetch ${file}: HTTP ${res.status}`);
    return res.text();
  }
  if (!existsSync(file)) throw usageError(`stack file ${file} does not exist`, 'create one with: skiff new NAME --lang node20');
  return readFileSync(file, 'utf8');
}

const FIELDS = new Set([
  'lang',
  'handler',
  'image',
  'fprocess',
  'namespace',
  'environment',
  'environment_file',
  'secrets',
  'labels',
  'annotations',
  'limits',
  'requests',
  'constraints',
  'build_args',
  'build_options',
  'build_secrets',
  'readonly_root_filesystem',
  'skip_build',
  'platforms',
  'skip_push',
]);

/** Loads, substitutes (`${VAR:-default}`), parses and checks a stack file; every error names file and line. */
export async function loadStack(file: string, options: { envsubst?: boolean } = {}): Promise<Stack> {
  const raw = await readStackText(file);
  const text = options.envsubst === false ? raw : envsubst(raw);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const lineOf = (node: unknown): number | undefined => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? lineCounter.linePos(range[0]).line : undefined;
  };
  for (const err of doc.errors) {
    const line = err.linePos?.[0]?.line;
    const dup = /Map keys must be unique/.test(err.message);
    const message = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw problem(file, line, dup ? `duplicate key: a function (or a field) is defined twice` : `YAML syntax error: ${message}`);
  }
  const root = doc.contents;
  if (!isMap(root)) throw problem(file, lineOf(root), 'a stack file is a YAML map with provider: and functions:');

  const get = (map: YAMLMap, key: string): Pair | undefined =>
    map.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair | undefined;
  const version = get(root, 'version');
  if (version && isScalar(version.value) && !['1.0', '1'].includes(String(version.value.value))) {
    throw problem(file, lineOf(version.key), `version must be 1.0, got ${String(version.value.value)}`);
  }
  let gateway: string | undefined;
  const provider = get(root, 'provider');
  if (provider) {
    if (!isMap(provider.value)) throw problem(file, lineOf(provider.key), 'provider must be a map with name: openfaas');
    const name = get(provider.value, 'name');
    const providerName = name && isScalar(name.value) ? String(name.value.value) : undefined;
    if (providerName !== 'openfaas' && providerName !== 'skiff') {
      throw problem(file, lineOf(name?.value ?? provider.key), `provider.name must be openfaas or skiff, got ${providerName ?? 'nothing'}`);
    }
    const gw = get(provider.value, 'gateway');
    if (gw && isScalar(gw.value) && gw.value.value) gateway = String(gw.value.value);
  }

  const functionsPair = get(root, 'functions');
  if (!functionsPair || !isMap(functionsPair.value) || !functionsPair.value.items.length) {
    throw problem(file, lineOf(functionsPair?.key ?? root), 'functions: must list at least one function');
  }
  const functions: StackFunction[] = [];
  for (const pair of functionsPair.value.items) {
    const keyLine = lineOf(pair.key);
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!isDnsLabel(name)) {
      throw problem(
        file,
        keyLine,
        `function name "${name}" is invalid: use lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters`,
      );
    }
    if (!isMap(pair.value)) throw problem(file, keyLine, `function ${name} must be a map (lang:, handler:, image: ...)`);
    const lines: Record<string, number> = { _: keyLine ?? 0 };
    const plain: Record<string, unknown> = {};
    for (const field of pair.value.items) {
      const key = isScalar(field.key) ? String(field.key.value) : '';
      lines[key] = lineOf(field.key) ?? keyLine ?? 0;
      if (!FIELDS.has(key)) throw problem(file, lines[key], `unknown field "${key}" in function ${name}`);
      plain[key] = (field.value as { toJSON?: () => unknown } | null)?.toJSON?.() ?? null;
    }
    functions.push(toFunction(file, name, plain, lines));
  }
  const copy: string[] = [];
  const templates: Stack['templates'] = [];
  const configuration = get(root, 'configuration');
  if (configuration && isMap(configuration.value)) {
    const c = configuration.value.toJSON() as { copy?: unknown; templates?: unknown };
    if (Array.isArray(c.copy)) copy.push(...c.copy.map(String));
    if (Array.isArray(c.templates)) templates.push(...(c.templates as Array<{ name: string; source?: string }>).filter((t) => t && t.name));
  }
  const local = !/^https?:\/\//.test(file);
  return { file, dir: local ? dirname(resolve(file)) : process.cwd(), gateway, functions, copy, templates };
}

function toFunction(file: string, name: string, v: Record<string, unknown>, lines: Record<string, number>): StackFunction {
  const str = (key: string): string | undefined => {
    const value = v[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'object') throw problem(file, lines[key], `${key} of function ${name} must be a string`);
    return String(value);
  };
  const map = (key: string): Record<string, string> => {
    const value = v[key];
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value))
      throw problem(file, lines[key], `${key} of function ${name} must be a map of names to values`);
    return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, x === null ? '' : String(x)]));
  };
  const list = (key: string): string[] => {
    const value = v[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw problem(file, lines[key], `${key} of function ${name} must be a list`);
    return value.map(String);
  };
  const bool = (key: string): boolean => {
    const value = v[key];
    if (value === undefined || value === null) return false;
    if (typeof value !== 'boolean') throw problem(file, lines[key], `${key} of function ${name} must be true or false`);
    return value;
  };
  const resources = (key: string): StackResources | undefined => {
    const m = map(key);
    if (!Object.keys(m).length) return undefined;
    const bad = Object.keys(m).filter((k) => k !== 'memory' && k !== 'cpu');
    if (bad.length) throw problem(file, lines[key], `${key} of function ${name} accepts memory and cpu, not ${bad.join(', ')}`);
    return m;
  };
  let lang = str('lang');
  if (lang?.toLowerCase() === 'dockerfile') lang = 'dockerfile';
  const namespace = str('namespace');
  if (namespace !== undefined && !isDnsLabel(namespace))
    throw problem(file, lines.namespace, `namespace "${namespace}" of function ${name} is not a DNS label`);
  const fn: StackFunction = {
    name,
    lang,
    handler: str('handler'),
    image: str('image'),
    fprocess: str('fprocess'),
    namespace,
    environment: map('environment'),
    environment_file: list('environment_file'),
    secrets: list('secrets'),
    labels: map('labels'),
    annotations: map('annotations'),
    limits: resources('limits'),
    requests: resources('requests'),
    constraints: list('constraints'),
    build_args: map('build_args'),
    readonly_root_filesystem: bool('readonly_root_filesystem'),
    skip_build: bool('skip_build'),
    lines,
  };
  if (fn.lang && !fn.handler) throw problem(file, lines.lang, `function ${name} has lang ${fn.lang} but no handler: folder`);
  if (!fn.lang && !fn.image)
    throw problem(file, lines._, `function ${name} needs lang: and handler: (to build it) or image: (to deploy it)`);
  return fn;
}

/** Functions selected by `--filter` (glob) or `--regex` (not both). */
export function selectFunctions(stack: Stack, filter?: string, regex?: string): StackFunction[] {
  if (filter && regex) throw usageError('give either --filter or --regex, not both');
  let test: ((name: string) => boolean) | undefined;
  if (filter) {
    const re = new RegExp(
      `^${filter
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    test = (n) => re.test(n);
  } else if (regex) {
    let re: RegExp;
    try {
      re = new RegExp(regex);
    } catch (err) {
      throw usageError(`--regex ${regex} is not a regular expression: ${(err as Error).message}`);
    }
    test = (n) => re.test(n);
  }
  const selected = test ? stack.functions.filter((f) => test(f.name)) : stack.functions;
  if (!selected.length) throw usageError(`no function in ${stack.file} matches ${filter ? `--filter ${filter}` : `--regex ${regex}`}`);
  return selected;
}

/** Merged environment: inline `environment` < `environment_file` files (later wins). */
export function functionEnvironment(stack: Stack, fn: StackFunction): Record<string, string> {
  const env = { ...fn.environment };
  for (const f of fn.environment_file) {
    const path = resolve(stack.dir, f);
    if (!existsSync(path))
      throw problem(stack.file, fn.lines.environment_file, `environment_file ${f} of function ${fn.name} does not exist`);
    const doc = parseDocument(readFileSync(path, 'utf8'));
    if (doc.errors.length)
      throw problem(path, doc.errors[0].linePos?.[0]?.line, `YAML syntax error: ${doc.errors[0].message.split('\n')[0]}`);
    const value = doc.toJSON() as { environment?: Record<string, unknown> } | null;
    for (const [k, v] of Object.entries(value?.environment ?? {})) env[k] = v === null ? '' : String(v);
  }
  return env;
}

/** Line of a function field, for messages from later steps (build, deploy). */
export function fieldError(stack: Stack, fn: StackFunction, field: string, reason: string) {
  return problem(stack.file, fn.lines[field] ?? fn.lines._, reason);
}
