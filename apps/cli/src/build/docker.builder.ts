import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../cli-error';
import { Stack, StackFunction } from '../stack/stack.types';
import { buildPaths, handlerDir, imageOf } from './bundle.builder';
import { copyTree, HANDLER_SKIP } from './file-tree';
import { Template } from './templates';

/** Outcome of a Docker build. */
export interface DockerBuild {
  /** Build context folder. */
  context: string;
  /** Image tag. */
  image: string;
  /** False when no docker CLI was found (the context is still written). */
  built: boolean;
}

/** True when a docker CLI answers. */
export function dockerAvailable(): boolean {
  return spawnSync('docker', ['version', '--format', '{{.Client.Version}}'], { stdio: 'ignore' }).status === 0;
}

/**
 * faas-cli's layout: build/<fn>/ = template (with its Dockerfile) + handler in function/; for
 * `lang: dockerfile` the handler folder itself is the context. Runs `docker build` when docker exists.
 */
export function buildDockerContext(
  stack: Stack,
  fn: StackFunction,
  template: Template,
  buildArgs: Record<string, string>,
  noCache = false,
): DockerBuild {
  const handler = handlerDir(stack, fn);
  const { context } = buildPaths(stack, fn.name);
  rmSync(context, { recursive: true, force: true });
  mkdirSync(context, { recursive: true });
  if (template.lang === 'dockerfile') copyTree(handler, context, HANDLER_SKIP);
  else {
    copyTree(template.dir, context, new Set([template.handlerFolder, 'template.yml']));
    for (const { target, source } of template.sharedFiles) {
      if (!existsSync(source)) throw new CliError(`template ${template.lang} shares ${source}, which does not exist`);
      copyFileSync(source, join(context, target));
    }
    copyTree(handler, join(context, template.handlerFolder), HANDLER_SKIP);
  }
  const image = imageOf(fn);
  if (!dockerAvailable()) return { context, image, built: false };
  const args = ['build', '-t', image, ...(noCache ? ['--no-cache'] : [])];
  for (const [k, v] of Object.entries({ ...fn.build_args, ...buildArgs })) args.push('--build-arg', `${k}=${v}`);
  args.push(context);
  const result = spawnSync('docker', args, { stdio: 'inherit' });
  if (result.status !== 0) throw new CliError(`docker build of ${fn.name} failed (exit code ${result.status})`);
  return { context, image, built: true };
}
