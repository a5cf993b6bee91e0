import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runsWith } from '@skiff/testing';

/** Output of a command that must succeed. */
export function run(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): string {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    cwd: options.cwd ?? REPO_ROOT,
    input: options.input,
    env: { ...process.env, DOCKER_BUILDKIT: '0', PATH: `${process.env.PATH}:/usr/sbin:/sbin`, ...options.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout.trim();
}

/** `docker …` that may fail (clean-up). */
export function dockerQuiet(args: string[]): void {
  spawnSync('docker', args, { stdio: 'ignore' });
}

const dockerAnswers = () => spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore' }).status === 0;

/**
 * Whether the Docker tests run: dockerd answers (it is started as root when it does not, logging to
 * /var/log/dockerd.log), or SKIFF_SKIP_DOCKER_TESTS=1 skips them; otherwise the file fails.
 */
export async function runsDockerTests(): Promise<boolean> {
  if (
    !dockerAnswers() &&
    spawnSync('sh', ['-c', 'command -v dockerd || test -x /usr/sbin/dockerd']).status === 0 &&
    process.getuid?.() === 0
  ) {
    const log = openSync('/var/log/dockerd.log', 'a');
    spawn('dockerd', [], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` },
    }).unref();
    closeSync(log);
    for (let i = 0; i < 150 && !dockerAnswers(); i++) await new Promise((r) => setTimeout(r, 200));
  }
  return runsWith('dockerd', dockerAnswers(), 'SKIFF_SKIP_DOCKER_TESTS', 'apt-get install docker.io and run dockerd as root');
}

/** Builds the base images and the named Skiff images (fast when they exist; dist/ is already built by npm test). */
export function buildImages(names: string[]): void {
  run('sh', [join(REPO_ROOT, 'scripts', 'docker', 'build-images.sh'), ...names], { env: { SKIFF_SKIP_BUILD: '1' } });
}

/** The `skiff` CLI from dist/ (`input` on its stdin). */
export function skiff(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, input?: string): string {
  return run(process.execPath, [join(REPO_ROOT, 'apps', 'cli', 'bin', 'skiff.js'), ...args], { cwd, env, input });
}
