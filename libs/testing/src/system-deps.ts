import { spawnSync } from 'node:child_process';

/**
 * Whether the tests that need a system tool run. True when it is there; false only when the opt-out
 * variable is set (`npm test` prints it); otherwise throws, so a missing tool fails the file instead of
 * letting its tests pass by skipping. The list of Debian packages is scripts/lib/system-packages.js.
 */
export function runsWith(tool: string, available: boolean, optOut: string, install: string): boolean {
  if (available) return true;
  if (/^(1|true|yes)$/i.test(process.env[optOut] ?? '')) return false;
  throw new Error(
    `${tool} is not available on this machine: ${install} (npm test does when it can), or set ${optOut}=1 to skip these tests`,
  );
}

/** bubblewrap installed and allowed to make namespaces here. */
export function bwrapWorks(): boolean {
  const run = spawnSync('bwrap', ['--bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--', 'true'], { stdio: 'ignore' });
  return run.status === 0;
}

/** Whether the sandbox tests run (bubblewrap works, or SKIFF_SKIP_SANDBOX_TESTS=1 skips them). */
export function runsSandboxTests(): boolean {
  return runsWith('bubblewrap (bwrap)', bwrapWorks(), 'SKIFF_SKIP_SANDBOX_TESTS', 'apt-get install bubblewrap, and allow user namespaces');
}

/** dockerd and docker-registry installed (the swarm tests start the daemon themselves when it is not running). */
export function runsDockerTests(): boolean {
  const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd} || test -x /usr/sbin/${cmd}`], { stdio: 'ignore' }).status === 0;
  return runsWith(
    'Docker (dockerd, docker-registry)',
    has('dockerd') && has('docker-registry'),
    'SKIFF_SKIP_DOCKER_TESTS',
    'apt-get install docker.io docker-registry',
  );
}
