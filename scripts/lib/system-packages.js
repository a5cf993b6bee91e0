'use strict';
// The one list of Debian packages the tests need (`npm test` and `.ci/run` read it), and the step that
// installs the missing ones before anything else runs: as root (or with password-less sudo) through
// apt-get, otherwise it names them and stops. A test that needs a missing command fails; a group of
// tests is skipped only when its opt-out variable is set, and `npm test` says so.
//
//   node scripts/lib/system-packages.js            check, install what is missing, print versions
//   node scripts/lib/system-packages.js --list     the Debian packages, one per line
const { spawnSync } = require('node:child_process');
const { BootstrapError, which } = require('./infra');

/**
 * command: what the tests run; package: the Debian package that provides it; why: who needs it;
 * skippedWhen: a variable that, when set, means the command is not needed (another server is named,
 * or its tests are opted out); optOut: a variable that skips the tests needing it (printed when set).
 */
const SYSTEM_PACKAGES = [
  { command: 'nats-server', package: 'nats-server', why: 'the bus every service and test runs on', skippedWhen: 'SKIFF_NATS_URL' },
  { command: 'redis-server', package: 'redis-server', why: 'the queue-worker and the async tests', skippedWhen: 'SKIFF_REDIS_URL' },
  { command: 'promtool', package: 'prometheus', why: "checks every service's /metrics (scaling e2e)" },
  { command: 'prometheus', package: 'prometheus', why: 'the scaling e2e runs the shipped Prometheus config' },
  { command: 'prometheus-alertmanager', package: 'prometheus-alertmanager', why: 'the scaling e2e fires the shipped alert' },
  {
    command: 'bwrap',
    package: 'bubblewrap',
    why: 'local replicas are sandboxed (secrets at /var/openfaas/secrets, read-only root)',
    optOut: 'SKIFF_SKIP_SANDBOX_TESTS',
  },
  {
    command: 'kubectl',
    package: 'kubectl',
    why: "renders deploy/k8s (kubectl kustomize) for the manifest validation (the kubectl package of the Kubernetes apt repository, not Debian's kubernetes-client)",
  },
  {
    command: 'dockerd',
    package: 'docker.io',
    why: 'container images, the swarm backend, compose (test/docker, test/swarm)',
    optOut: 'SKIFF_SKIP_DOCKER_TESTS',
  },
  { command: 'docker-compose', package: 'docker-compose', why: 'docker-compose.dev.yml (test/docker)', optOut: 'SKIFF_SKIP_DOCKER_TESTS' },
  { command: 'docker-registry', package: 'docker-registry', why: 'images reach the second swarm node', optOut: 'SKIFF_SKIP_DOCKER_TESTS' },
  {
    command: 'debootstrap',
    package: 'debootstrap',
    why: 'scripts/docker/base-images.sh makes the base images offline',
    optOut: 'SKIFF_SKIP_DOCKER_TESTS',
  },
  { command: 'chromium', package: 'chromium', why: "the portal's browser test (playwright-core)", optOut: 'SKIFF_SKIP_BROWSER_TESTS' },
];

const isSet = (name) => /^(1|true|yes)$/i.test(process.env[name] ?? '') || (name.endsWith('_URL') && !!process.env[name]);

/** Entries whose command is needed by this run (not replaced by a URL, not opted out). */
function needed(list = SYSTEM_PACKAGES) {
  return list.filter((entry) => !(entry.skippedWhen && isSet(entry.skippedWhen)) && !(entry.optOut && isSet(entry.optOut)));
}

/** Needed entries whose command is not installed. */
function missing(list = SYSTEM_PACKAGES) {
  return needed(list).filter((entry) => !which(entry.command));
}

/** The opt-outs set for this run, as lines to print. */
function optOuts(list = SYSTEM_PACKAGES) {
  return list
    .filter((entry) => entry.optOut && isSet(entry.optOut))
    .map((entry) => `${entry.optOut}=${process.env[entry.optOut]}: SKIPPING the tests that need ${entry.command}: ${entry.why}`);
}

/** How to run apt-get here: '' as root, 'sudo' when it needs no password; else why it cannot. */
function privilege() {
  if (!which('apt-get')) return { why: 'no apt-get on this machine' };
  if (typeof process.getuid === 'function' && process.getuid() === 0) return { prefix: '' };
  const sudo = which('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
  return sudo && sudo.status === 0 ? { prefix: 'sudo' } : { why: 'not root, and sudo asks for a password' };
}

function aptGet(prefix, args) {
  const [command, ...rest] = prefix ? [prefix, 'apt-get', ...args] : ['apt-get', ...args];
  const result = spawnSync(command, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.error || result.status !== 0)
    throw new BootstrapError(`apt-get ${args.join(' ')} failed (${result.error?.message ?? `exit code ${result.status}`})`);
}

/**
 * Installs the Debian packages of missing commands (apt-get update first) when it can, or throws one
 * BootstrapError naming every missing command, its package and the opt-outs.
 */
function ensureSystemPackages(log = console.log, list = SYSTEM_PACKAGES) {
  for (const line of optOuts(list)) log(line);
  let absent = missing(list);
  if (!absent.length) return;
  const packages = [...new Set(absent.map((entry) => entry.package))];
  const { prefix, why } = privilege();
  if (prefix !== undefined) {
    log(`missing ${absent.map((entry) => entry.command).join(', ')}: apt-get install ${packages.join(' ')}`);
    aptGet(prefix, ['update', '-q']);
    aptGet(prefix, ['install', '-y', '-q', '--no-install-recommends', ...packages]);
    absent = missing(list);
    if (!absent.length) return;
  }
  const sudo = typeof process.getuid === 'function' && process.getuid() !== 0 ? 'sudo ' : '';
  const lines = [
    `The tests need commands this machine lacks${why ? ` (not installed automatically: ${why})` : ''}:`,
    ...absent.map((entry) => `  ${entry.command.padEnd(24)} Debian package ${entry.package.padEnd(24)} ${entry.why}`),
    'Install them, then run this again:',
    `  ${sudo}apt-get update && ${sudo}apt-get install -y ${[...new Set(absent.map((entry) => entry.package))].join(' ')}`,
  ];
  const optional = absent.filter((entry) => entry.optOut || entry.skippedWhen);
  if (optional.length) {
    lines.push('Or run without them:');
    for (const entry of optional)
      lines.push(
        entry.optOut
          ? `  ${entry.optOut}=1 skips the tests that need ${entry.command}`
          : `  ${entry.skippedWhen}=<url> uses a running server`,
      );
  }
  throw new BootstrapError(lines.join('\n'));
}

/** One line per needed command with its version, for the log of a CI run. */
function versions(list = SYSTEM_PACKAGES) {
  return needed(list).map((entry) => {
    const run = spawnSync(entry.command, ['--version'], { encoding: 'utf8' });
    const first = `${run.stdout || ''}${run.stderr || ''}`.trim().split('\n')[0] || '(no version)';
    return `${entry.command}: ${first}`;
  });
}

module.exports = { SYSTEM_PACKAGES, ensureSystemPackages, missing, optOuts, versions };

if (require.main === module) {
  if (process.argv.includes('--list')) {
    process.stdout.write(`${[...new Set(SYSTEM_PACKAGES.map((entry) => entry.package))].join('\n')}\n`);
  } else {
    try {
      ensureSystemPackages((text) => process.stdout.write(`[skiff] ${text}\n`));
      for (const line of versions()) process.stdout.write(`${line}\n`);
    } catch (err) {
      process.stderr.write(`[skiff] ${err instanceof BootstrapError ? err.message : err.stack || err}\n`);
      process.exit(1);
    }
  }
}
