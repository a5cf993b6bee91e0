import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, EXIT } from '../cli-error';
import { Stack, StackFunction } from '../stack/stack.types';
import { buildPaths, handlerDir, imageOf } from './bundle.builder';
import { copyTree, HANDLER_SKIP } from './file-tree';
import { runDocker } from './image.pipeline';
import { Template } from './templates';

/** Outcome of a Docker build. */
export interface DockerBuild {
  /** Build context folder. */
  context: string;
  /** Image tag. */
  image: string;
  /** False when no docker engine answered (the context is still written). */
  built: boolean;
}

/** True when a docker CLI and its engine answer. */
export function dockerAvailable(): boolean {
  return spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'ignore' }).status === 0;
}

/** Function images start FROM skiff/watchdog:<tag>, made on this machine, never pulled: say how to make it. */
function requireWatchdogImage(context: string): void {
  const dockerfile = join(context, 'Dockerfile');
  const base = existsSync(dockerfile) ? /\bskiff\/watchdog:[\w.-]+/.exec(readFileSync(dockerfile, 'utf8'))?.[0] : undefined;
  if (base && spawnSync('docker', ['image', 'inspect', base], { stdio: 'ignore' }).status !== 0)
    throw new CliError(
      `the function base image ${base} is missing`,
      EXIT.usage,
      'build it from a Skiff checkout: scripts/docker/build-images.sh watchdog',
    );
}

/** Options of one image build. */
export interface DockerBuildOptions {
  /** Image name to tag (after `--tag`); default the stack's. */
  image?: string;
  noCache?: boolean;
  /** Keep docker's output unless it fails (parallel builds). */
  quiet?: boolean;
}

/**
 * faas-cli's layout: build/<fn>/ = template (with its Dockerfile) + handler in function/; for
 * `lang: dockerfile` the handler folder itself is the context. Runs `docker build` when docker exists.
 */
export async function buildDockerContext(
  stack: Stack,
  fn: StackFunction,
  template: Template,
  buildArgs: Record<string, string>,
  options: DockerBuildOptions = {},
): Promise<DockerBuild> {
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
  const image = options.image ?? imageOf(fn);
  if (!dockerAvailable()) return { context, image, built: false };
  requireWatchdogImage(context);
  const args = ['build', '-t', image, ...(options.noCache ? ['--no-cache'] : [])];
  for (const [k, v] of Object.entries({ ...fn.build_args, ...buildArgs })) args.push('--build-arg', `${k}=${v}`);
  args.push(context);
  try {
    await runDocker(args, Boolean(options.quiet));
  } catch {
    throw new CliError(`docker build of ${fn.name} failed`);
  }
  return { context, image, built: true };
}
