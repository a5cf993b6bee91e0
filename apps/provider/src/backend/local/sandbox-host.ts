import { execFileSync } from 'node:child_process';
import { accessSync, constants, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { LimitEnforcement } from './replica-limits';
import { APP_DIR, REPLICA_ID, SandboxLayout } from './sandbox-layout';
import { processAlive } from './process-alive';

// What the host offers replicas (bubblewrap, setpriv) and the arguments and directories the
// SandboxLauncher builds every replica's sandbox from.

/** Options of the SandboxLauncher. */
export interface SandboxOptions {
  /** SKIFF_DATA_DIR: never visible to a replica. */
  dataDir: string;
  /** SKIFF_SANDBOX: `auto` and `bwrap` require the sandbox (`bwrap` fails the start without it), `none` is the opt-out. */
  sandbox: 'auto' | 'bwrap' | 'none';
  /** SKIFF_LIMITS. */
  limits: 'auto' | 'cgroup' | 'rlimit' | 'none';
  /** SKIFF_WATCHDOG_ENTRY: its installation is bound read-only at INSTALL_MOUNT. */
  watchdogEntry: string;
  /** SKIFF_SANDBOX_HOST_PATHS (raw). */
  hostPaths?: string;
}

/** How replicas are isolated on this host, decided once at start. */
export interface SandboxCapabilities {
  /** bubblewrap executable, when it can build the sandbox here. */
  bwrap?: string;
  /** setpriv executable, when the provider is root (it drops to REPLICA_ID before bubblewrap runs). */
  setpriv?: string;
  /** Why there is no sandbox (for the log, and the error every replica start gets). */
  bwrapMissing?: string;
  /** Limit enforcement. */
  limits: LimitEnforcement;
}

function findExecutable(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Namespaces, identity and lifetime: the start of every replica's bubblewrap command line. */
export function isolationArgs(hostname: string): string[] {
  const id = String(REPLICA_ID);
  return [
    '--unshare-user',
    '--uid',
    id,
    '--gid',
    id,
    '--disable-userns',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup',
    '--hostname',
    hostname,
    '--new-session',
    '--die-with-parent',
  ];
}

/** `setpriv` arguments dropping to REPLICA_ID with no capabilities and no_new_privs (the provider is root). */
export function dropArgs(setpriv: string): string[] {
  const id = String(REPLICA_ID);
  return [setpriv, `--reuid=${id}`, `--regid=${id}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', '--'];
}

/**
 * Finds bubblewrap (and setpriv when the provider is root) and checks, by running it once, that
 * it can build the whole sandbox here: user, pid, ipc, uts and cgroup namespaces, the minimal root
 * with the watchdog installation and the bundles folder, as REPLICA_ID.
 */
export function detectSandbox(
  mode: SandboxOptions['sandbox'],
  layout: SandboxLayout | undefined,
  bundlesDir: string,
): Omit<SandboxCapabilities, 'limits'> {
  if (mode === 'none' || !layout) return { bwrapMissing: 'SKIFF_SANDBOX=none' };
  const bwrap = findExecutable('bwrap');
  if (!bwrap) return { bwrapMissing: 'bubblewrap is not installed (Debian/Ubuntu: sudo apt-get install -y bubblewrap)' };
  const root = process.getuid?.() === 0;
  const setpriv = root ? findExecutable('setpriv') : undefined;
  if (root && !setpriv) return { bwrapMissing: 'setpriv is not installed (it is part of util-linux: sudo apt-get install -y util-linux)' };
  const probe = [
    ...(setpriv ? dropArgs(setpriv) : []),
    bwrap,
    ...isolationArgs('skiff-probe'),
    ...layout.systemArgs,
    ...['--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp'],
    ...layout.openArgs,
    ...['--ro-bind', bundlesDir, APP_DIR, ...layout.maskArgs, '--remount-ro', '/', '--chdir', APP_DIR],
    ...['--', '/bin/sh', '-c', 'test -r "$0" && id -u', layout.watchdogEntry],
  ];
  try {
    const out = execFileSync(probe[0], probe.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 }).trim();
    if (out !== String(REPLICA_ID))
      return { bwrapMissing: `the sandbox probe ran as uid ${out || '?'} or could not read the watchdog at ${layout.watchdogEntry}` };
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '')
      .trim()
      .split('\n')[0];
    const hint = /Permission denied/.test(stderr)
      ? `; it runs as uid ${REPLICA_ID}, which needs search (x) permission on every folder above the data dir, the installation and SKIFF_SANDBOX_HOST_PATHS`
      : '';
    return { bwrapMissing: `bubblewrap cannot build the replica sandbox here (${stderr || (err as Error).message.split('\n')[0]})${hint}` };
  }
  return { bwrap, setpriv };
}

/** Removes per-replica directories of providers that died without cleaning up (secret files!). */
export function sweepReplicaDirs(root: string): void {
  try {
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      if (entry.isDirectory() && /^\d+$/.test(entry.name) && Number(entry.name) !== process.pid && !processAlive(Number(entry.name))) {
        rmSync(join(root, entry.name), { recursive: true, force: true });
      }
    }
  } catch {
    // missing, or not ours
  }
}

/**
 * Creates (or reuses) `dir` as this user's private folder, refusing one that is not: in a shared
 * tmpfs like /dev/shm anyone could have made it first, or made it a link to somewhere else.
 */
export function privateDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const stat = lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.() || (stat.mode & 0o077) !== 0) {
    throw new Error(`${dir} is not a private folder of this user (a directory, mode 0700): refusing to write secrets there`);
  }
}

/** The wrapper: joins the replica's cgroups, sets its rlimits (as root, so it cannot raise them), names its host pid, execs. */
export function wrapper(procsFiles: string[], ulimits: string[], command: string[]): string[] {
  const script =
    'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 97; shift; n=$((n-1)); done; ' +
    (ulimits.length ? `ulimit ${ulimits.join(' ')} || exit 97; ` : '') +
    'SKIFF_REPLICA_PID=$$; export SKIFF_REPLICA_PID; exec "$@"';
  return ['/bin/sh', '-c', script, 'sh', String(procsFiles.length), ...procsFiles, ...command];
}
