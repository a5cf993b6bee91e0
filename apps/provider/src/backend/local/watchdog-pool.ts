import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { LaunchSpec, ProcessLauncher, ReplicaProcess } from './process-launcher';
import type { ReplicaSandboxSpec } from './replica-sandbox';

/** Variable naming the descriptor a pooled watchdog reads its adoption message from (apps/watchdog/src/adoption.ts). */
export const ADOPT_FD_ENV = 'SKIFF_ADOPT_FD';

/** The only inherited data a pooled watchdog can take in its adoption message: its bus credentials. */
const ADOPTABLE_DATA = new Set(['SKIFF_NATS_CREDS_FD']);

/** What the pool starts, and what makes a replica's launch the same as a pooled one's. */
export interface WatchdogPoolOptions {
  /** How many pooled watchdogs to keep ready. */
  size: number;
  /** The watchdog: the provider's Node and the built entry. */
  command: string;
  args: string[];
  /** Environment of a pooled watchdog before adoption: host basics and the platform's `SKIFF_*`, nothing of a function. */
  env: Record<string, string>;
  /** Its sandbox: no secrets, the default limits. Only replicas with exactly these limits are pooled. */
  sandbox: ReplicaSandboxSpec;
  /** The environment a sandboxed replica gets for `env` (SandboxLauncher.sandboxedEnv). */
  sandboxedEnv(env: Record<string, string>): Record<string, string>;
  /** First delay before starting again after a pooled watchdog died unused (doubles, up to 30 s). */
  retryMs?: number;
  /** Delay before a used pooled watchdog is replaced (lets the adopted one start first on a busy host). */
  refillDelayMs?: number;
  /** Only launches this accepts are served (e.g. one pool per watchdog mode); the rest go to the inner launcher. */
  accepts?: (spec: LaunchSpec) => boolean;
}

interface Pooled {
  proc: ReplicaProcess;
  adopt(message: Promise<Uint8Array>): void;
}

/**
 * A few watchdogs started ahead of need, each in its own sandbox (the same bubblewrap, uid, limits
 * and empty /home/app a function without a bundle gets), with their code loaded and no function,
 * no credentials and no secrets. A replica launch the pool can serve (no bundle, no secrets, the
 * default limits) takes one and sends it, on a descriptor only the provider holds, the replica's
 * environment and its freshly minted bus credentials: it becomes that replica, and is never given
 * back. Any other launch goes to the inner launcher as before. A pooled watchdog reads only its
 * adoption message: when the provider goes away it reads end-of-file and exits.
 */
export class WatchdogPool implements ProcessLauncher {
  private readonly logger = new Logger('WatchdogPool');
  private readonly ready: Pooled[] = [];
  private closed = false;
  private failures = 0;
  private timer?: NodeJS.Timeout;
  private readonly limits: string;

  constructor(
    private readonly inner: ProcessLauncher,
    private readonly options: WatchdogPoolOptions,
  ) {
    this.limits = JSON.stringify(options.sandbox.limits);
  }

  /** Fills the pool. */
  start(): void {
    this.fill();
  }

  /** Pooled watchdogs ready to be adopted (tests, status). */
  get size(): number {
    return this.ready.length;
  }

  launch(spec: LaunchSpec): ReplicaProcess {
    const pooled = this.closed || !this.fits(spec) ? undefined : this.ready.shift();
    if (!pooled) return this.inner.launch(spec);
    pooled.adopt(this.adoptionMessage(spec));
    this.schedule(this.options.refillDelayMs ?? 250);
    return pooled.proc;
  }

  /** Stops filling and ends the pooled watchdogs nobody adopted. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const pooled of this.ready.splice(0)) pooled.proc.kill('SIGKILL');
  }

  /** True when a pooled watchdog started now would be exactly what `spec` asks for, but for its environment. */
  fits(spec: LaunchSpec): boolean {
    const { options } = this;
    const sandbox = spec.sandbox;
    return (
      spec.command === options.command &&
      spec.args.length === options.args.length &&
      spec.args.every((a, i) => a === options.args[i]) &&
      spec.cwd === undefined &&
      !spec.dataFds?.length &&
      !spec.onFd3 &&
      (spec.inheritData ?? []).every((d) => ADOPTABLE_DATA.has(d.env)) &&
      sandbox !== undefined &&
      sandbox.secrets.length === 0 &&
      JSON.stringify(sandbox.limits) === this.limits &&
      (options.accepts?.(spec) ?? true)
    );
  }

  private async adoptionMessage(spec: LaunchSpec): Promise<Uint8Array> {
    const data: Record<string, string> = {};
    for (const item of spec.inheritData ?? []) data[item.env] = Buffer.from(await item.data).toString('base64');
    return Buffer.from(JSON.stringify({ env: this.options.sandboxedEnv(spec.env), data }));
  }

  private fill(): void {
    while (!this.closed && this.ready.length < this.options.size && !this.timer) this.startOne();
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fill();
    }, delayMs);
  }

  private startOne(): void {
    let adopt!: (message: Promise<Uint8Array>) => void;
    const message = new Promise<Uint8Array>((resolve) => (adopt = resolve));
    const instance = `pool-${randomBytes(6).toString('hex')}`;
    let proc: ReplicaProcess;
    try {
      proc = this.inner.launch({
        command: this.options.command,
        args: this.options.args,
        env: { ...this.options.env, SKIFF_POOLED: '1', SKIFF_INSTANCE: instance },
        sandbox: this.options.sandbox,
        inheritData: [{ env: ADOPT_FD_ENV, data: message }],
      });
    } catch (err) {
      this.failed(`could not start a pooled watchdog: ${(err as Error).message}`);
      return;
    }
    let adopted = false;
    const pooled: Pooled = {
      proc,
      adopt: (m) => {
        adopted = true;
        this.failures = 0;
        adopt(m);
      },
    };
    this.ready.push(pooled);
    proc.onExit((code, signal) => {
      if (adopted || this.closed) return;
      const at = this.ready.indexOf(pooled);
      if (at >= 0) this.ready.splice(at, 1);
      this.failed(`a pooled watchdog ended before it was used (code ${code}, signal ${signal})`);
    });
    // Output before adoption has nobody to go to; a pooled watchdog prints nothing while it waits.
  }

  private failed(reason: string): void {
    this.failures++;
    const delay = Math.min(30_000, (this.options.retryMs ?? 1_000) * 2 ** Math.min(this.failures - 1, 5));
    this.logger.warn({ msg: reason, retryInMs: delay });
    this.schedule(delay);
  }
}
