import { execFileSync } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { FIRST_DATA_FD, LaunchSpec, ProcessLauncher, ReplicaProcess } from './process-launcher';
import { LimitEnforcement, describeEnforcement, detectLimitEnforcement, releaseEnforcement, setUpReplicaLimits } from './replica-limits';
import { ReplicaSandboxSpec, SECRETS_MOUNT } from './replica-sandbox';
import { APP_DIR, REPLICA_ID, SandboxLayout, parseHostPaths } from './sandbox-layout';
import { processAlive } from './process-alive';
import { SandboxedProcess } from './sandboxed-process';

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

/** A replica without a sandbox spec: no secrets, no limits beyond the defaults. */
const NO_SANDBOX_SPEC: ReplicaSandboxSpec = { secrets: [], readOnlyRoot: true, limits: {} };

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
function isolationArgs(hostname: string): string[] {
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
function dropArgs(setpriv: string): string[] {
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
function sweepReplicaDirs(root: string): void {
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
function privateDir(dir: string): void {
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
function wrapper(procsFiles: string[], ulimits: string[], command: string[]): string[] {
  const script =
    'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 97; shift; n=$((n-1)); done; ' +
    (ulimits.length ? `ulimit ${ulimits.join(' ')} || exit 97; ` : '') +
    'SKIFF_REPLICA_PID=$$; export SKIFF_REPLICA_PID; exec "$@"';
  return ['/bin/sh', '-c', script, 'sh', String(procsFiles.length), ...procsFiles, ...command];
}

/**
 * Starts each replica in a sandbox (bubblewrap, after setpriv when the provider is root): uid and
 * gid 65534, no capabilities, no_new_privs, no nested user namespaces, its own pid, ipc, uts and
 * cgroup namespaces, a minimal read-only root (system folders, a small /etc, the watchdog at
 * /opt/skiff), the bundle read-only at /home/app (an empty folder for host images), a private
 * writable /tmp, secrets from memory at /var/openfaas/secrets. The data dir and the project are not
 * there. Limits go through a tiny `sh` wrapper that joins the replica's cgroups (or sets rlimits)
 * as root and execs. Without a usable bubblewrap every start is refused, unless SKIFF_SANDBOX=none.
 */
export class SandboxLauncher implements ProcessLauncher {
  private readonly logger = new Logger('Sandbox');
  private readonly dataDir: string;
  private readonly layout?: SandboxLayout;
  private readonly refusal?: string;
  /** Where secret files of unsandboxed replicas go (a tmpfs when there is one). */
  private readonly plainSecretsRoot: string;
  readonly capabilities: SandboxCapabilities;

  constructor(
    private readonly inner: ProcessLauncher,
    options: SandboxOptions,
    capabilities?: SandboxCapabilities,
  ) {
    this.dataDir = resolve(options.dataDir);
    const bundles = join(this.dataDir, 'bundles');
    if (options.sandbox !== 'none') {
      this.prepareDataDir(bundles);
      this.layout = new SandboxLayout(
        options.watchdogEntry,
        parseHostPaths(options.hostPaths ?? '', this.dataDir),
        this.dataDir,
        join(this.dataDir, 'sandbox-etc'),
      );
    }
    this.capabilities = capabilities ?? {
      ...detectSandbox(options.sandbox, this.layout, bundles),
      limits: detectLimitEnforcement(options.limits),
    };
    this.plainSecretsRoot = existsSync('/dev/shm')
      ? join('/dev/shm', `skiff-replicas-${process.getuid?.() ?? 0}`)
      : join(this.dataDir, 'replicas');
    if (this.capabilities.bwrap) {
      this.logger.log(
        `replica sandbox: bubblewrap (${this.capabilities.bwrap})${this.capabilities.setpriv ? ` after setpriv` : ''}: uid ${REPLICA_ID}, no capabilities, ` +
          `own pid/ipc/uts/cgroup namespaces, read-only minimal root, bundle read-only at ${APP_DIR}, private /tmp, secrets from memory at ${SECRETS_MOUNT}` +
          (options.hostPaths ? `; host paths opened by SKIFF_SANDBOX_HOST_PATHS: ${options.hostPaths}` : ''),
      );
    } else if (options.sandbox === 'bwrap') {
      throw new Error(`SKIFF_SANDBOX=bwrap but ${this.capabilities.bwrapMissing}`);
    } else if (options.sandbox === 'auto') {
      this.refusal = `no replica sandbox: ${this.capabilities.bwrapMissing}. Replicas are refused; install bubblewrap, or set SKIFF_SANDBOX=none to run function code unisolated as the provider's user`;
      this.logger.error(this.refusal);
    } else {
      const banner = '!'.repeat(100);
      this.logger.warn(
        `${banner}\nSKIFF_SANDBOX=none: replicas run UNSANDBOXED as plain processes of the provider's user (${process.getuid?.() === 0 ? 'ROOT' : 'uid ' + process.getuid?.()}): ` +
          `function code can read and change everything that user can, including SKIFF_DATA_DIR, other functions and the host. ` +
          `Secrets are files in a private per-replica tmpfs directory named by SKIFF_SECRETS_DIR (${this.plainSecretsRoot}), /tmp is shared, readOnlyRootFilesystem is not enforced. ` +
          `Only for trusted functions.\n${banner}`,
      );
    }
    this.logger.log(describeEnforcement(this.capabilities.limits));
    sweepReplicaDirs(this.plainSecretsRoot);
    // Earlier versions wrote secret files under the data dir: never leave them there.
    sweepReplicaDirs(join(this.dataDir, 'replicas'));
  }

  launch(spec: LaunchSpec): ReplicaProcess {
    if (this.refusal) throw new Error(this.refusal);
    const sandbox = spec.sandbox ?? NO_SANDBOX_SPEC;
    const instance = spec.env.SKIFF_INSTANCE ?? `replica-${Date.now()}`;
    const limits = setUpReplicaLimits(this.capabilities.limits, instance, sandbox.limits);
    const cleanups: Array<() => void> = [() => limits.release()];
    const cleanup = () => cleanups.splice(0).forEach((c) => c());
    const env = { ...spec.env };
    let inner: LaunchSpec;
    let sandboxed: SandboxedProcess | undefined;
    try {
      if (this.capabilities.bwrap && this.layout) {
        env.SKIFF_SECRETS_DIR = SECRETS_MOUNT;
        env.TMPDIR = '/tmp';
        if (!env.HOME || env.HOME === process.env.HOME) env.HOME = '/tmp';
        const files = sandbox.secrets.map((s) => ({ dest: join(SECRETS_MOUNT, s.name), data: s.value }));
        const firstFd = FIRST_DATA_FD + (spec.inheritData?.length ?? 0);
        const command = [spec.command, ...spec.args].map((a) => this.layout!.insidePath(a));
        const bwrap = [
          ...(this.capabilities.setpriv ? dropArgs(this.capabilities.setpriv) : []),
          this.capabilities.bwrap,
          ...this.bwrapArgs(instance, spec.cwd, files, firstFd),
          '--',
          ...command,
        ];
        const replica = (sandboxed = new SandboxedProcess());
        inner = {
          command: '/bin/sh',
          args: wrapper(limits.procsFiles, limits.ulimits, bwrap).slice(1),
          env,
          cwd: '/',
          inheritData: spec.inheritData,
          dataFds: files.map((f) => f.data),
          onFd3: (text) => {
            let pid: unknown;
            try {
              pid = (JSON.parse(text || '{}') as { 'child-pid'?: unknown })['child-pid'];
            } catch {
              // bubblewrap failed before it reported anything: it exits on its own
            }
            if (typeof pid === 'number') replica.started(pid);
          },
        };
      } else {
        env.SKIFF_SECRETS_DIR = this.writePlainSecrets(instance, sandbox, cleanups);
        inner = {
          command: '/bin/sh',
          args: wrapper(limits.procsFiles, limits.ulimits, [spec.command, ...spec.args]).slice(1),
          env,
          cwd: spec.cwd ?? '/',
          inheritData: spec.inheritData,
        };
      }
    } catch (err) {
      cleanup();
      throw err;
    }

    let proc: ReplicaProcess;
    try {
      proc = this.inner.launch(inner);
    } catch (err) {
      cleanup();
      throw err;
    }
    proc.onExit(cleanup);
    return sandboxed ? sandboxed.attach(proc) : proc;
  }

  /** Removes this provider's cgroups and secret folders (shutdown). */
  release(): void {
    releaseEnforcement(this.capabilities.limits);
    rmSync(join(this.plainSecretsRoot, String(process.pid)), { recursive: true, force: true });
  }

  private bwrapArgs(instance: string, cwd: string | undefined, files: Array<{ dest: string }>, firstFd: number): string[] {
    const layout = this.layout!;
    const workdir = cwd ? ['--ro-bind', cwd, APP_DIR] : ['--dir', APP_DIR];
    return [
      ...isolationArgs(instance),
      '--info-fd',
      '3',
      ...layout.systemArgs,
      ...['--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp'],
      ...layout.openArgs,
      ...workdir,
      ...files.flatMap((f, i) => ['--ro-bind-data', String(firstFd + i), f.dest]),
      ...layout.maskArgs,
      ...layout.masksFor(cwd ? [{ src: resolve(cwd), dest: APP_DIR }] : []),
      ...['--remount-ro', '/', '--chdir', APP_DIR],
    ];
  }

  /** Without the sandbox: the secrets as 0400 files in a 0700 per-replica folder on a tmpfs, removed when it exits. */
  private writePlainSecrets(instance: string, sandbox: ReplicaSandboxSpec, cleanups: Array<() => void>): string {
    const dir = join(this.plainSecretsRoot, String(process.pid), instance);
    privateDir(this.plainSecretsRoot);
    privateDir(join(this.plainSecretsRoot, String(process.pid)));
    privateDir(dir);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    for (const secret of sandbox.secrets) writeFileSync(join(dir, secret.name), secret.value, { mode: 0o400 });
    return dir;
  }

  /**
   * bubblewrap runs as REPLICA_ID and opens the bundles to bind from there: the data dir must be
   * traversable (not readable) by it. Its own files keep their modes (0600 for the secrets key and
   * the admin password); the bundles folder is not listable.
   */
  private prepareDataDir(bundles: string): void {
    mkdirSync(bundles, { recursive: true, mode: 0o711 });
    if (process.getuid?.() !== 0) return;
    for (const dir of [this.dataDir, bundles]) {
      const mode = statSync(dir).mode & 0o7777;
      if ((mode & 0o001) === 0) {
        chmodSync(dir, mode | 0o001);
        this.logger.log(`made ${dir} traversable (o+x, not listable) so replica sandboxes can bind bundles below it`);
      }
    }
  }
}
