import { BUNDLE_CONTENT_TYPE, BUNDLE_DIGEST_HEADER } from '@skiff/contracts/bundles';
import { readFileSync } from 'node:fs';
import { CliError, EXIT } from '../cli-error';
import { BuiltBundle, buildBundle, existingBundle, handlerDir, imageOf } from '../build/bundle.builder';
import { buildDockerContext } from '../build/docker.builder';
import { taggedImage, TagFormat } from '../build/image-tag';
import { eachLimited } from '../build/image.pipeline';
import { findTemplate, listTemplates, Template } from '../build/templates';
import { GatewayClient } from '../gateway/gateway.client';
import { fieldError, functionEnvironment } from '../stack/stack.loader';
import { Stack, StackFunction } from '../stack/stack.types';
import { Output } from '../ui/output';
import { DeploymentSpec } from './deployer';
import { keyValues } from './key-values';

/** The template of a function, or a file:line error listing the available ones. */
export function templateOf(stack: Stack, fn: StackFunction): Template {
  const template = findTemplate(fn.lang ?? '', stack.dir);
  if (!template) {
    const known = listTemplates(stack.dir)
      .map((t) => t.lang)
      .join(', ');
    throw fieldError(
      stack,
      fn,
      'lang',
      `unknown lang "${fn.lang}" for function ${fn.name} (available: ${known}; list them with skiff template list)`,
    );
  }
  return template;
}

/** Checks every selected function before anything is built or deployed (one bad one stops all). */
export function checkBuildable(stack: Stack, functions: StackFunction[], docker: boolean): void {
  for (const fn of functions) {
    if (fn.skip_build || !fn.lang) continue;
    const template = templateOf(stack, fn);
    handlerDir(stack, fn);
    if (template.dockerOnly && !docker) {
      throw fieldError(
        stack,
        fn,
        'lang',
        `function ${fn.name} uses lang ${fn.lang}, which builds only as a container image: skiff build --docker (for a container backend)`,
      );
    }
  }
}

/** Options of buildFunctions. */
export interface BuildFlags {
  noCache?: boolean;
  /** Container images instead of bundles. */
  docker?: boolean;
  buildArgs?: string[];
  /** Images: faas-cli `--tag` format. */
  tag?: TagFormat;
  /** Images: builds at once. */
  parallel?: number;
}

/** The image a function is built and deployed as (its stack image, with the `--tag` suffix). */
export function builtImage(stack: Stack, fn: StackFunction, tag: TagFormat = 'latest'): string {
  return taggedImage(imageOf(fn), tag, stack.dir);
}

/** Builds the selected functions (bundles, or Docker images with `docker`). */
export async function buildFunctions(stack: Stack, functions: StackFunction[], out: Output, options: BuildFlags): Promise<BuiltBundle[]> {
  checkBuildable(stack, functions, Boolean(options.docker));
  const built: BuiltBundle[] = [];
  const buildable = functions.filter((fn) => {
    if (fn.skip_build || !fn.lang) out.note(`Skipping build of ${fn.name} (${fn.skip_build ? 'skip_build' : 'no lang'})`);
    return !fn.skip_build && fn.lang;
  });
  if (options.docker) {
    const parallel = options.parallel ?? 1;
    await eachLimited(buildable, parallel, async (fn) => {
      const image = builtImage(stack, fn, options.tag);
      const step = out.step(`Building ${fn.name} image ${image} with Docker`);
      const args = keyValues(options.buildArgs, '--build-arg');
      const result = await buildDockerContext(stack, fn, templateOf(stack, fn), args, {
        image,
        noCache: options.noCache,
        quiet: parallel > 1,
      }).catch((err: unknown) => {
        step.fail(`Build of ${fn.name} failed`);
        throw err;
      });
      if (result.built) step.succeed(`Built image ${result.image}`);
      else
        step.succeed(
          `Docker build context ready in ${result.context} (no Docker engine answered: run docker build -t ${result.image} ${result.context})`,
        );
    });
    return built;
  }
  for (const fn of buildable) {
    const template = templateOf(stack, fn);
    const step = out.step(`Building ${fn.name} (${template.lang}) into bundle ${imageOf(fn)}`);
    try {
      const bundle = await buildBundle(
        stack,
        { ...fn, build_args: { ...fn.build_args, ...keyValues(options.buildArgs, '--build-arg') } },
        template,
        { noCache: options.noCache, step },
      );
      step.succeed(
        `${bundle.reused ? 'Unchanged' : 'Built'} ${fn.name}: ${bundle.image} ${bundle.digest.slice(0, 19)} (${formatBytes(bundle.size)})`,
      );
      built.push(bundle);
    } catch (err) {
      step.fail(`Build of ${fn.name} failed`);
      throw err;
    }
  }
  return built;
}

/** Uploads one bundle unless the gateway already holds that digest under that image. */
export async function pushBundle(client: GatewayClient, bundle: BuiltBundle, out: Output): Promise<'pushed' | 'unchanged'> {
  const path = `/system/bundles/${encodeURI(bundle.image)}`;
  const step = out.step(`Pushing ${bundle.image} (${formatBytes(bundle.size)})`);
  try {
    const current = await client.call('GET', path, { accept: [404] });
    if (current.status === 200 && (JSON.parse(current.text) as { digest?: string }).digest === bundle.digest) {
      step.succeed(`${bundle.image} is up to date on ${client.url}`);
      return 'unchanged';
    }
    await client.call('PUT', path, {
      body: readFileSync(bundle.file),
      headers: { 'content-type': BUNDLE_CONTENT_TYPE, [BUNDLE_DIGEST_HEADER]: bundle.digest },
      timeoutMs: 300_000,
    });
    step.succeed(`Pushed ${bundle.image} ${bundle.digest.slice(0, 19)}`);
    return 'pushed';
  } catch (err) {
    step.fail(`Push of ${bundle.image} failed`);
    throw err;
  }
}

/** Pushes the built bundles of the selected functions. */
export async function pushFunctions(client: GatewayClient, stack: Stack, functions: StackFunction[], out: Output): Promise<void> {
  for (const fn of functions) {
    if (fn.skip_build || !fn.lang) continue;
    const template = templateOf(stack, fn);
    if (template.dockerOnly)
      throw fieldError(stack, fn, 'lang', `function ${fn.name} is a Docker image: push it with docker push ${imageOf(fn)}`);
    const bundle = existingBundle(stack, fn);
    if (!bundle) throw new CliError(`${fn.name} has not been built`, EXIT.usage, 'run skiff build first (or skiff up)');
    await pushBundle(client, bundle, out);
  }
}

/** Deploy-time flags shared by deploy, up and store deploy. */
export interface DeployFlags {
  /** `-e K=V`. */
  env?: string[];
  /** `-l K=V`. */
  label?: string[];
  /** `--annotation K=V`. */
  annotation?: string[];
  /** `--secret NAME`. */
  secret?: string[];
  /** `--constraint`. */
  constraint?: string[];
  /** `-n`. */
  namespace?: string;
  /** `--readonly`. */
  readonly?: boolean;
  /** `--fprocess`. */
  fprocess?: string;
  /** Limits and requests. */
  cpuLimit?: string;
  memoryLimit?: string;
  cpuRequest?: string;
  memoryRequest?: string;
}

/** Limits/requests from flags over the stack's. */
function resources(base: { memory?: string; cpu?: string } | undefined, memory?: string, cpu?: string) {
  const r = { ...(base ?? {}) };
  if (memory) r.memory = memory;
  if (cpu) r.cpu = cpu;
  return Object.keys(r).length ? r : undefined;
}

/**
 * A function's deployment: stack values, then flags (env: inline < environment_file < -e).
 * A function with a lang must name a known template and an existing handler folder.
 */
export function specFromStack(stack: Stack, fn: StackFunction, flags: DeployFlags): DeploymentSpec {
  const template = fn.lang ? templateOf(stack, fn) : undefined;
  if (template && !fn.skip_build) handlerDir(stack, fn);
  return {
    service: fn.name,
    image: imageOf(fn),
    namespace: flags.namespace || fn.namespace,
    envProcess: flags.fprocess || fn.fprocess || template?.fprocess || undefined,
    envVars: { ...functionEnvironment(stack, fn), ...keyValues(flags.env, '--env') },
    labels: { ...fn.labels, ...keyValues(flags.label, '--label') },
    annotations: { ...fn.annotations, ...keyValues(flags.annotation, '--annotation') },
    secrets: [...new Set([...fn.secrets, ...(flags.secret ?? [])])],
    constraints: [...fn.constraints, ...(flags.constraint ?? [])],
    limits: resources(fn.limits, flags.memoryLimit, flags.cpuLimit),
    requests: resources(fn.requests, flags.memoryRequest, flags.cpuRequest),
    readOnlyRootFilesystem: flags.readonly || fn.readonly_root_filesystem || undefined,
  };
}

/**
 * Before deploying bundle-built functions to a gateway that stores bundles, checks each bundle is
 * there (otherwise the replicas would have nothing to run). Gateways without /system/bundles
 * (plain OpenFaaS) are not checked.
 */
export async function checkBundlesPushed(client: GatewayClient, stack: Stack, functions: StackFunction[]): Promise<void> {
  const bundled = functions.filter((fn) => fn.lang && !fn.skip_build && !templateOf(stack, fn).dockerOnly);
  if (!bundled.length) return;
  const reply = await client.call('GET', '/system/bundles', { accept: [404, 405, 501] });
  if (reply.status !== 200) return;
  const stored = new Set((JSON.parse(reply.text) as Array<{ image: string }>).map((b) => b.image));
  const missing = bundled.filter((fn) => !stored.has(imageOf(fn)));
  if (missing.length) {
    const fn = missing[0];
    throw new CliError(
      `bundle ${imageOf(fn)} of function ${fn.name} is not on ${client.url}`,
      EXIT.usage,
      'build and push it first: skiff up (or skiff build && skiff push)',
    );
  }
}

/** Human size. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
