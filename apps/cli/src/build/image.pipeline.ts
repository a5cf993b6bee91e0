import { spawn } from 'node:child_process';
import { CliError, EXIT } from '../cli-error';
import { StackFunction } from '../stack/stack.types';
import { Output } from '../ui/output';

/** How `docker build`/`docker push` run for several functions. */
export interface ImageRunOptions {
  /** How many at once (faas-cli `--parallel`, default 1). */
  parallel: number;
}

/** True when functions are built as container images: `--docker`, or a container backend in SKIFF_BACKEND. */
export function imageMode(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag !== undefined) return flag;
  return env.SKIFF_BACKEND === 'swarm' || env.SKIFF_BACKEND === 'kubernetes';
}

/** Parses `--parallel`. */
export function parallelism(raw: string | undefined): number {
  const value = raw ?? '1';
  if (!/^[1-9][0-9]?$/.test(value)) throw new CliError(`--parallel "${raw}" must be a whole number from 1 to 99`, EXIT.usage);
  return Number(value);
}

/**
 * Runs `docker <args>`. Alone, its output goes to the terminal; in parallel it is kept and shown
 * only when the command fails (interleaved build logs are unreadable).
 */
export function runDocker(args: string[], quiet: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    // Debian's docker.io has no buildx: the classic builder, without the CLI asking for BuildKit.
    const child = spawn('docker', args, {
      stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      env: { DOCKER_BUILDKIT: '0', ...process.env },
    });
    const output: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => output.push(c));
    child.stderr?.on('data', (c: Buffer) => output.push(c));
    child.on('error', (err) =>
      reject(new CliError(`docker could not be started: ${err.message}`, EXIT.usage, 'install Docker or build bundles (no --docker)')),
    );
    child.on('exit', (code) => {
      if (code === 0) return resolve();
      if (quiet) process.stderr.write(Buffer.concat(output));
      reject(new CliError(`docker ${args[0]} failed (exit code ${code})`));
    });
  });
}

/** Runs `work` over `items`, at most `parallel` at once; the first failure is thrown after the running ones end. */
export async function eachLimited<T>(items: T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const lane = async () => {
    while (next < items.length && !errors.length) {
      const item = items[next++];
      await work(item).catch((err) => errors.push(err));
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, lane));
  if (errors.length) throw errors[0];
}

/** `docker push` of each function's image (built ones and `skip_build` ones alike). */
export async function pushImages(
  functions: StackFunction[],
  out: Output,
  options: ImageRunOptions & { imageOf: (fn: StackFunction) => string },
): Promise<void> {
  await eachLimited(functions, options.parallel, async (fn) => {
    const image = options.imageOf(fn);
    const step = out.step(`Pushing ${image}`);
    try {
      await runDocker(['push', image], options.parallel > 1);
      step.succeed(`Pushed ${image}`);
    } catch (err) {
      step.fail(`Push of ${image} failed (is the registry in the image name reachable? --skip-push on a single node)`);
      throw err;
    }
  });
}
