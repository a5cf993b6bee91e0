import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUNDLE_MANIFEST, BundleManifest } from '@skiff/contracts/bundles';
import { CliError } from '../cli-error';
import { fieldError } from '../stack/stack.loader';
import { Stack, StackFunction } from '../stack/stack.types';
import { Step } from '../ui/output';
import { copyTree, HANDLER_SKIP, hashTree } from './file-tree';
import { Template } from './templates';

/** Bumped when the bundle layout changes, so old builds are not reused. */
const BUILD_FORMAT = '1';

/** A built bundle. */
export interface BuiltBundle {
  /** Function name. */
  name: string;
  /** Image (bundle) name. */
  image: string;
  /** `sha256:<hex>` of the tarball. */
  digest: string;
  /** Tarball size. */
  size: number;
  /** Tarball path. */
  file: string;
  /** True when unchanged inputs let the previous bundle be reused. */
  reused: boolean;
}

/** Recorded beside the tarball to make the next build incremental. */
interface BuildRecord {
  inputs: string;
  image: string;
  digest: string;
  size: number;
}

/** `sha256:<hex>` of a tarball (same as libs/bundles bundleDigest, without loading tar). */
function bundleDigest(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Image of a function: its `image:`, else `<name>:latest`. */
export function imageOf(fn: StackFunction): string {
  return fn.image ?? `${fn.name}:latest`;
}

/** Paths of a function's build outputs under `<stack dir>/build/`. */
export function buildPaths(stack: Stack, name: string): { context: string; tarball: string; record: string } {
  const root = join(stack.dir, 'build');
  return { context: join(root, name), tarball: join(root, `${name}.bundle.tar.gz`), record: join(root, `${name}.bundle.json`) };
}

/** The previously built bundle of a function, if its tarball is still there and intact. */
export function existingBundle(stack: Stack, fn: StackFunction): BuiltBundle | undefined {
  const paths = buildPaths(stack, fn.name);
  if (!existsSync(paths.record) || !existsSync(paths.tarball)) return undefined;
  const record = JSON.parse(readFileSync(paths.record, 'utf8')) as BuildRecord;
  const data = readFileSync(paths.tarball);
  if (bundleDigest(data) !== record.digest) return undefined;
  return { name: fn.name, image: record.image, digest: record.digest, size: data.length, file: paths.tarball, reused: true };
}

/** The handler folder of a function, checked. */
export function handlerDir(stack: Stack, fn: StackFunction): string {
  const dir = resolve(stack.dir, fn.handler ?? '.');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw fieldError(
      stack,
      fn,
      'handler',
      `handler folder ${fn.handler} of function ${fn.name} does not exist (create it with skiff new ${fn.name} --lang ${fn.lang ?? 'node20'})`,
    );
  }
  return dir;
}

/**
 * Builds a function into a bundle: build/<fn>/ = template + handler (in the template's handler
 * folder) + dependencies + skiff-bundle.json, packed deterministically. Unchanged inputs reuse
 * the previous bundle unless `noCache`.
 */
export async function buildBundle(
  stack: Stack,
  fn: StackFunction,
  template: Template,
  options: { noCache?: boolean; step?: Step } = {},
): Promise<BuiltBundle> {
  const handler = handlerDir(stack, fn);
  const paths = buildPaths(stack, fn.name);
  const image = imageOf(fn);
  const extras = stack.copy.map((p) => resolve(stack.dir, p));

  const hash = createHash('sha256');
  hash.update(JSON.stringify([BUILD_FORMAT, fn.name, template.lang, template.fprocess, template.environment, fn.build_args, stack.copy]));
  hashTree(hash, template.dir, new Set(['Dockerfile']));
  hash.update('\0handler\0');
  hashTree(hash, handler, HANDLER_SKIP);
  for (const extra of extras) hashTree(hash, extra, HANDLER_SKIP);
  const localDeps = template.dependencies === 'npm' ? localDependencies(handler) : {};
  for (const dir of Object.values(localDeps)) hashTree(hash, dir, HANDLER_SKIP);
  const inputs = hash.digest('hex');

  if (!options.noCache && existsSync(paths.record)) {
    const record = JSON.parse(readFileSync(paths.record, 'utf8')) as BuildRecord;
    const previous = existingBundle(stack, fn);
    if (previous && record.inputs === inputs && record.image === image) return previous;
  }

  rmSync(paths.context, { recursive: true, force: true });
  mkdirSync(paths.context, { recursive: true });
  copyTree(template.dir, paths.context, new Set([template.handlerFolder, 'template.yml', 'Dockerfile']));
  const functionDir = join(paths.context, template.handlerFolder);
  copyTree(handler, functionDir, HANDLER_SKIP);
  for (const extra of extras) {
    if (!existsSync(extra)) throw new CliError(`configuration.copy path ${extra} does not exist`);
    copyTree(extra, join(functionDir, extra.split(/[\\/]/).pop() as string), HANDLER_SKIP);
  }

  pinLocalDependencies(functionDir, localDeps);
  options.step?.update('installing dependencies');
  await installDependencies(template, functionDir, fn);

  const manifest: BundleManifest = {
    schema: 1,
    name: fn.name,
    lang: template.lang,
    ...(template.fprocess ? { fprocess: template.fprocess } : {}),
    environment: template.environment,
  };
  writeFileSync(join(paths.context, BUNDLE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  options.step?.update('packing');
  // Loaded only when packing: tar is the CLI's heaviest module.
  const { packBundle } = await import('@skiff/bundles/bundle-archive');
  const { digest, size } = await packBundle(paths.context, paths.tarball);
  const record: BuildRecord = { inputs, image, digest, size };
  writeFileSync(paths.record, `${JSON.stringify(record, null, 2)}\n`);
  return { name: fn.name, image, digest, size, file: paths.tarball, reused: false };
}

/** `file:` dependencies of a handler's package.json, as absolute paths (they are relative to the handler). */
function localDependencies(handler: string): Record<string, string> {
  const file = join(handler, 'package.json');
  if (!existsSync(file)) return {};
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { dependencies?: Record<string, string> };
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(pkg.dependencies ?? {})) {
    if (typeof spec === 'string' && spec.startsWith('file:')) out[name] = resolve(handler, spec.slice('file:'.length));
  }
  return out;
}

/** Rewrites the copied package.json so `file:` dependencies still point at their folders from build/<fn>/. */
function pinLocalDependencies(functionDir: string, deps: Record<string, string>): void {
  if (!Object.keys(deps).length) return;
  const file = join(functionDir, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { dependencies: Record<string, string> };
  for (const [name, dir] of Object.entries(deps)) pkg.dependencies[name] = `file:${dir}`;
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
}

/** True when a package.json lists dependencies to install. */
function hasNpmDependencies(dir: string): boolean {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return false;
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(pkg.dependencies ?? {}).length > 0;
}

/** True when requirements.txt names at least one package. */
function hasRequirements(dir: string): boolean {
  const file = join(dir, 'requirements.txt');
  if (!existsSync(file)) return false;
  return readFileSync(file, 'utf8')
    .split('\n')
    .some((l) => l.trim() && !l.trim().startsWith('#'));
}

/**
 * npm for node templates (only when package.json has dependencies; `file:` dependencies are
 * copied, not linked, so the bundle never points outside itself); pip for python templates only
 * when requirements.txt names packages (offline with PIP_NO_INDEX / PIP_FIND_LINKS). Build args
 * are passed to the installer as environment variables.
 */
async function installDependencies(template: Template, dir: string, fn: StackFunction): Promise<void> {
  const env = { ...process.env, ...fn.build_args };
  if (template.dependencies === 'npm' && hasNpmDependencies(dir)) {
    const lock = existsSync(join(dir, 'package-lock.json'));
    const args = [
      lock ? 'ci' : 'install',
      '--omit=dev',
      '--no-audit',
      '--no-fund',
      '--install-links',
      '--prefer-offline',
      '--loglevel=error',
    ];
    await run(
      'npm',
      args,
      dir,
      env,
      `npm ${args[0]} failed for ${fn.name}`,
      'check the dependencies in package.json (the registry must be reachable unless they are cached or file: paths)',
    );
  }
  if (template.dependencies === 'pip' && hasRequirements(dir)) {
    const args = [
      '-m',
      'pip',
      'install',
      '--target',
      join(dir, '.python_packages'),
      '-r',
      'requirements.txt',
      '--disable-pip-version-check',
      '--no-input',
      '--no-warn-script-location',
      '--quiet',
    ];
    await run(
      'python3',
      args,
      dir,
      env,
      `pip install failed for ${fn.name}`,
      'for offline builds set PIP_NO_INDEX=1 and PIP_FIND_LINKS=<folder of wheels>',
    );
  }
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, failure: string, hint: string): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout.on('data', (c: Buffer) => output.push(c.toString()));
    child.stderr.on('data', (c: Buffer) => output.push(c.toString()));
    child.on('error', (err) => reject(new CliError(`${failure}: ${command} could not start (${err.message})`, 1, hint)));
    child.on('close', (code) => {
      if (code === 0) return resolveRun();
      const tail = output.join('').trim().split('\n').slice(-15).join('\n');
      reject(new CliError(`${failure} (exit code ${code}):\n${tail}`, 1, hint));
    });
  });
}
