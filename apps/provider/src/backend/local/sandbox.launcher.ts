import { execFileSync } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { LaunchSpec, ProcessLauncher, ReplicaProcess } from './process-launcher';
import { LimitEnforcement, describeEnforcement, detectLimitEnforcement, releaseEnforcement, setUpReplicaLimits } from './replica-limits';
import { SECRETS_MOUNT } from './replica-sandbox';
import { processAlive } from './process-alive';

/** How replicas are isolated on this host, decided once at start. */
export interface SandboxCapabilities {
  /** bubblewrap executable, when usable. */
  bwrap?: string;
  /** Why bubblewrap is not used (for the log and the README's promise). */
  bwrapMissing?: string;
  /** Limit enforcement. */
  limits: LimitEnforcement;
}

/** Options of the SandboxLauncher. */
export interface SandboxOptions {
  /** SKIFF_DATA_DIR: per-replica secret files live under `<dataDir>/replicas/<provider pid>/<instance>`; hidden from replicas. */
  dataDir: string;
  /** SKIFF_SANDBOX. */
  sandbox: 'auto' | 'bwrap' | 'none';
  /** SKIFF_LIMITS. */
  limits: 'auto' | 'cgroup' | 'rlimit' | 'none';
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

/** Finds a working bubblewrap (it must be able to create its namespaces here) and the secrets mount point. */
export function detectBwrap(mode: SandboxOptions['sandbox']): Pick<SandboxCapabilities, 'bwrap' | 'bwrapMissing'> {
  if (mode === 'none') return { bwrapMissing: 'SKIFF_SANDBOX=none' };
  const bwrap = findExecutable('bwrap');
  if (!bwrap) return { bwrapMissing: 'bubblewrap is not installed (Debian/Ubuntu: sudo apt-get install -y bubblewrap)' };
  try {
    execFileSync(bwrap, ['--bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '--', 'true'], { stdio: 'ignore', timeout: 10_000 });
  } catch (err) {
    return { bwrapMissing: `bubblewrap cannot create namespaces here (${(err as Error).message.split('\n')[0]})` };
  }
  // With a read-only root bubblewrap cannot create the mount point itself.
  try {
    mkdirSync(SECRETS_MOUNT, { recursive: true, mode: 0o755 });
  } catch (err) {
    return { bwrapMissing: `${SECRETS_MOUNT} does not exist and cannot be created (${(err as Error).message}); create it once as root` };
  }
  return { bwrap };
}

/** Removes the per-replica directories (secret files!) of providers that died without cleaning up. */
function sweepReplicaDirs(root: string): void {
  if (!existsSync(root)) return;
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (entry.isDirectory() && /^\d+$/.test(entry.name) && Number(entry.name) !== process.pid && !processAlive(Number(entry.name))) {
      rmSync(join(root, entry.name), { recursive: true, force: true });
    }
  }
}

function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Starts each replica in its own view of the host. With bubblewrap: a private /tmp, the data dir
 * hidden (no replica reads another's secrets, the admin password or the secrets key), the
 * replica's secrets bound read-only at /var/openfaas/secrets, and a read-only root when the
 * function asks. Without it: the secrets are written to a private per-replica directory named by
 * SKIFF_SECRETS_DIR, /tmp is shared, and readOnlyRootFilesystem is not enforced. Limits go through
 * a tiny `sh` wrapper that joins the replica's cgroups (or sets RLIMIT_DATA) and execs.
 */
export class SandboxLauncher implements ProcessLauncher {
  private readonly logger = new Logger('Sandbox');
  private readonly dataDir: string;
  readonly capabilities: SandboxCapabilities;

  constructor(
    private readonly inner: ProcessLauncher,
    options: SandboxOptions,
    capabilities?: SandboxCapabilities,
  ) {
    this.dataDir = resolve(options.dataDir);
    this.capabilities = capabilities ?? { ...detectBwrap(options.sandbox), limits: detectLimitEnforcement(options.limits) };
    if (options.sandbox === 'bwrap' && !this.capabilities.bwrap) throw new Error(`SKIFF_SANDBOX=bwrap but ${this.capabilities.bwrapMissing}`);
    if (this.capabilities.bwrap) {
      this.logger.log(`replica sandbox: bubblewrap (${this.capabilities.bwrap}): private /tmp, secrets read-only at ${SECRETS_MOUNT}, data dir hidden, read-only root when readOnlyRootFilesystem is set`);
    } else {
      this.logger.warn(
        `replica sandbox: NONE, ${this.capabilities.bwrapMissing}. Replicas run as plain processes: secrets are files in a per-replica directory ` +
          `named by SKIFF_SECRETS_DIR (not at ${SECRETS_MOUNT}), /tmp is shared with the host, readOnlyRootFilesystem is not enforced`,
      );
    }
    this.logger.log(describeEnforcement(this.capabilities.limits));
    sweepReplicaDirs(join(this.dataDir, 'replicas'));
  }

  launch(spec: LaunchSpec): ReplicaProcess {
    const sandbox = spec.sandbox;
    if (!sandbox) return this.inner.launch(spec);
    const instance = spec.env.SKIFF_INSTANCE ?? `replica-${Date.now()}`;
    const dir = join(this.dataDir, 'replicas', String(process.pid), instance);
    const secretsDir = join(dir, 'secrets');
    mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
    for (const secret of sandbox.secrets) writeFileSync(join(secretsDir, secret.name), secret.value, { mode: 0o400 });

    const limits = setUpReplicaLimits(this.capabilities.limits, instance, sandbox.limits);
    const cleanup = () => {
      limits.release();
      rmSync(dir, { recursive: true, force: true });
    };

    let command = [spec.command, ...spec.args];
    const env = { ...spec.env };
    let infoFd: number | undefined;
    const infoFile = join(dir, 'bwrap-info.json');
    if (this.capabilities.bwrap) {
      env.SKIFF_SECRETS_DIR = SECRETS_MOUNT;
      env.TMPDIR = '/tmp';
      infoFd = openSync(infoFile, 'w', 0o600);
      const programs = [spec.command, ...spec.args].filter((a) => isAbsolute(a) && existsSync(a));
      command = [this.capabilities.bwrap, ...this.bwrapArgs(spec.cwd, programs, secretsDir, sandbox.readOnlyRoot), '--', ...command];
    } else {
      env.SKIFF_SECRETS_DIR = secretsDir;
    }
    if (limits.procsFiles.length || limits.ulimits.length) {
      // Join the cgroups / set the rlimit, then exec: everything the replica starts inherits them.
      const script = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 97; shift; n=$((n-1)); done; ' + (limits.ulimits.length ? `ulimit ${limits.ulimits.join(' ')} || exit 97; ` : '') + 'exec "$@"';
      command = ['/bin/sh', '-c', script, 'sh', String(limits.procsFiles.length), ...limits.procsFiles, ...command];
    }

    let proc: ReplicaProcess;
    try {
      proc = this.inner.launch({ command: command[0], args: command.slice(1), env, cwd: spec.cwd, fd3: infoFd });
    } catch (err) {
      cleanup();
      throw err;
    } finally {
      if (infoFd !== undefined) closeSync(infoFd);
    }
    proc.onExit(cleanup);
    if (!this.capabilities.bwrap) return proc;

    // bubblewrap does not forward signals: deliver them to the sandboxed process it started.
    let sandboxed: number | undefined;
    const childPid = (): number | undefined => {
      if (sandboxed) return sandboxed;
      try {
        const info = JSON.parse(readFileSync(infoFile, 'utf8')) as { 'child-pid'?: unknown };
        if (typeof info['child-pid'] === 'number') sandboxed = info['child-pid'];
      } catch {
        // not written yet
      }
      return sandboxed;
    };
    let exited = false;
    proc.onExit(() => (exited = true));
    return {
      get pid() {
        return proc.pid;
      },
      kill: (signal) => {
        if (exited) return;
        const pid = childPid();
        if (pid && signal !== 'SIGKILL') {
          try {
            process.kill(pid, signal);
            return;
          } catch {
            // gone already: fall through to bubblewrap itself
          }
        }
        // SIGKILL (or no child yet): kill bubblewrap; --die-with-parent takes the replica with it.
        proc.kill(signal === 'SIGKILL' ? 'SIGKILL' : signal);
      },
      onExit: (listener) => proc.onExit(listener),
      onLine: (listener) => proc.onLine(listener),
    };
  }

  /** Removes this provider's cgroups (shutdown). */
  release(): void {
    releaseEnforcement(this.capabilities.limits);
  }

  private bwrapArgs(cwd: string, programs: string[], secretsDir: string, readOnlyRoot: boolean): string[] {
    const args = ['--die-with-parent', '--info-fd', '3', readOnlyRoot ? '--ro-bind' : '--bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'];
    const hidden = (path: string) => inside(path, this.dataDir) || inside(path, '/tmp');
    // Keep what the replica runs from when it lives under /tmp: the installation (watchdog entry and
    // its node_modules), read-only…
    for (const dir of new Set(programs.map((p) => resolve(p)).filter(hidden).map(installRoot))) args.push('--ro-bind', dir, dir);
    // …then hide the data dir (other replicas' secrets, the secrets key, the admin password, NATS's
    // store), even where an installation bind above re-exposed it…
    if (existsSync(this.dataDir)) args.push('--tmpfs', this.dataDir);
    // …and keep the working directory (an unpacked bundle may sit in the data dir or /tmp).
    const cwdAbs = resolve(cwd);
    if (hidden(cwdAbs)) args.push(readOnlyRoot ? '--ro-bind' : '--bind', cwdAbs, cwdAbs);
    args.push('--ro-bind', secretsDir, SECRETS_MOUNT, '--chdir', cwdAbs);
    return args;
  }
}

/** The directory holding a program's whole installation: the nearest ancestor with a package.json, else its directory. */
function installRoot(file: string): string {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'node_modules'))) return dir;
  }
  return dirname(file);
}
