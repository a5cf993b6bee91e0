import { chmodSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { FIRST_DATA_FD, LaunchSpec, ProcessLauncher, ReplicaProcess } from './process-launcher';
import { describeEnforcement, detectLimitEnforcement, releaseEnforcement, setUpReplicaLimits } from './replica-limits';
import { ReplicaSandboxSpec, SECRETS_MOUNT } from './replica-sandbox';
import { APP_DIR, REPLICA_ID, SandboxLayout, parseHostPaths } from './sandbox-layout';
import {
  SandboxCapabilities,
  SandboxOptions,
  detectSandbox,
  dropArgs,
  isolationArgs,
  privateDir,
  sweepReplicaDirs,
  wrapper,
} from './sandbox-host';
import { SandboxedProcess } from './sandboxed-process';

export type { SandboxOptions } from './sandbox-host';

/** A replica without a sandbox spec: no secrets, no limits beyond the defaults. */
const NO_SANDBOX_SPEC: ReplicaSandboxSpec = { secrets: [], readOnlyRoot: true, limits: {} };

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
        Object.assign(env, this.sandboxedEnv(env));
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

  /** True when replicas run in bubblewrap (what a pooled watchdog needs: see WatchdogPool). */
  get sandboxed(): boolean {
    return Boolean(this.capabilities.bwrap && this.layout && !this.refusal);
  }

  /** A sandboxed replica's environment: `env` with the sandbox's own secrets folder, /tmp and HOME. */
  sandboxedEnv(env: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = { ...env, SKIFF_SECRETS_DIR: SECRETS_MOUNT, TMPDIR: '/tmp' };
    if (!out.HOME || out.HOME === process.env.HOME) out.HOME = '/tmp';
    return out;
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
