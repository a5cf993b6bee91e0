import { randomBytes } from 'node:crypto';
import { OutputStream, ProcessLauncher, ReplicaProcess } from './process-launcher';
import { ReplicaTemplate } from './replica-template';

/** Lifecycle of one replica. */
export type ReplicaState = 'starting' | 'ready' | 'draining' | 'stopping';

/** Why a replica process ended. */
export type ExitReason = 'stopped' | 'killed' | 'crashed' | 'exited' | 'spawn_failed';

/** Timings of the supervisor. */
export interface SupervisorOptions {
  /** First restart delay after a crash. */
  backoffMinMs: number;
  /** Longest restart delay. */
  backoffMaxMs: number;
  /** A replica that ran this long resets the crash count. */
  stableAfterMs: number;
  /** Longest wait for new replicas to be ready before old ones are stopped anyway. */
  rolloutTimeoutMs: number;
  /** SIGTERM → SIGKILL delay. */
  stopGraceMs: number;
}

/** What the supervisor reports (metrics and logs). */
export interface SupervisorObserver {
  started(instance: string, pid: number | undefined): void;
  exited(instance: string, reason: ExitReason, code: number | null, signal: NodeJS.Signals | null): void;
  line(instance: string, stream: OutputStream, text: string): void;
}

interface Replica {
  instance: string;
  generation: number;
  proc: ReplicaProcess;
  state: ReplicaState;
  startedAt: number;
  killed: boolean;
  killTimer?: NodeJS.Timeout;
}

/** Replica id: `<fn>-<6 hex>`. */
export function newInstanceId(name: string): string {
  return `${name}-${randomBytes(3).toString('hex')}`;
}

/**
 * Keeps one function's replica processes at the desired count: starts missing ones (after a
 * crash, with exponential backoff), SIGTERMs extra ones, and rolls out a changed spec by
 * starting the new generation first and stopping old replicas only as new ones become ready.
 */
export class FunctionSupervisor {
  private readonly replicas = new Map<string, Replica>();
  private template?: ReplicaTemplate;
  private generation = 0;
  private desired = 0;
  private crashes = 0;
  private backoffUntil = 0;
  private backoffTimer?: NodeJS.Timeout;
  private rolloutDeadline = 0;
  private rolloutTimer?: NodeJS.Timeout;
  private removed = false;
  private readonly idle: Array<() => void> = [];
  private observer: SupervisorObserver = { started: () => undefined, exited: () => undefined, line: () => undefined };
  /** `name.namespace`, the OpenFaaS `function_name` metric label. */
  readonly label: string;

  constructor(
    readonly name: string,
    readonly namespace: string,
    private readonly launcher: ProcessLauncher,
    private readonly options: SupervisorOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.label = `${name}.${namespace}`;
  }

  /** Sets who hears about starts, exits and output lines. */
  observe(observer: SupervisorObserver): void {
    this.observer = observer;
  }

  /** Sets the desired spec and count; a changed fingerprint starts a rollout. */
  apply(template: ReplicaTemplate, desired: number): void {
    if (this.removed) return;
    if (this.template?.fingerprint !== template.fingerprint) {
      if (this.template) {
        this.generation++;
        this.rolloutDeadline = this.now() + this.options.rolloutTimeoutMs;
        this.armRolloutTimer();
      }
      this.template = template;
      this.crashes = 0;
      this.clearBackoff();
    }
    this.desired = desired;
    this.reconcile();
  }

  /** A replica announced it takes calls. */
  markReady(instance: string): void {
    const r = this.replicas.get(instance);
    if (!r || r.state !== 'starting') return;
    r.state = 'ready';
    this.reconcile();
  }

  /** A replica announced it stopped taking calls (it is draining and will exit). */
  markGone(instance: string): void {
    const r = this.replicas.get(instance);
    if (r && (r.state === 'ready' || r.state === 'starting')) r.state = 'draining';
  }

  /** True when the instance belongs to this function. */
  has(instance: string): boolean {
    return this.replicas.has(instance);
  }

  /** Replicas that exist, and those that are ready. */
  counts(): { running: number; available: number } {
    let available = 0;
    for (const r of this.replicas.values()) if (r.state === 'ready') available++;
    return { running: this.replicas.size, available };
  }

  /** OS process ids of the replicas that are not being stopped (for CPU sampling). */
  pids(): number[] {
    const out: number[] = [];
    for (const r of this.replicas.values()) if (r.state !== 'stopping' && r.proc.pid !== undefined) out.push(r.proc.pid);
    return out;
  }

  /** Replicas per state (for the gauge). */
  states(): Record<ReplicaState, number> {
    const out: Record<ReplicaState, number> = { starting: 0, ready: 0, draining: 0, stopping: 0 };
    for (const r of this.replicas.values()) out[r.state]++;
    return out;
  }

  /** Stops every replica and resolves once all have exited (SIGKILL after the grace). */
  remove(): Promise<void> {
    this.removed = true;
    this.clearBackoff();
    this.clearRolloutTimer();
    for (const r of this.replicas.values()) this.stop(r);
    return this.whenEmpty();
  }

  private whenEmpty(): Promise<void> {
    if (this.replicas.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private reconcile(): void {
    if (this.removed || !this.template) return;
    const live = (gen: (g: number) => boolean) => [...this.replicas.values()].filter((r) => gen(r.generation) && r.state !== 'stopping');
    const current = live((g) => g === this.generation);

    if (current.length > this.desired) {
      // Stop the least useful first: not yet ready, then the newest.
      const order = [...current].sort((a, b) => rank(a) - rank(b) || b.startedAt - a.startedAt);
      for (const r of order.slice(0, current.length - this.desired)) this.stop(r);
    } else if (current.length < this.desired) {
      const wait = this.backoffUntil - this.now();
      if (wait > 0) this.armBackoff(wait);
      else {
        for (let missing = this.desired - current.length; missing > 0; missing--) if (!this.start()) break;
      }
    }

    const old = live((g) => g < this.generation);
    if (old.length) {
      const readyNew = live((g) => g === this.generation).filter((r) => r.state === 'ready').length;
      const expired = this.now() >= this.rolloutDeadline;
      const keep = expired ? 0 : Math.max(0, this.desired - readyNew);
      const order = [...old].sort((a, b) => rank(a) - rank(b) || a.startedAt - b.startedAt);
      for (const r of order.slice(0, Math.max(0, old.length - keep))) this.stop(r);
    }
    if (!live((g) => g < this.generation).length) this.clearRolloutTimer();
  }

  /** Starts one replica of the current generation; false when the launch itself failed. */
  private start(): boolean {
    const template = this.template!;
    const instance = newInstanceId(this.name);
    const spec = {
      command: template.command,
      args: template.args,
      cwd: template.cwd,
      env: { ...template.env, SKIFF_INSTANCE: instance },
      sandbox: template.sandbox,
      inheritData: [...(template.inheritData ?? []), ...(template.perReplica?.(instance) ?? [])],
    };
    let proc: ReplicaProcess;
    try {
      proc = this.launcher.launch(spec);
    } catch {
      this.observer.exited(instance, 'spawn_failed', null, null);
      this.recordCrash(0);
      this.armBackoff(this.backoffUntil - this.now());
      return false;
    }
    const replica: Replica = { instance, generation: this.generation, proc, state: 'starting', startedAt: this.now(), killed: false };
    this.replicas.set(instance, replica);
    proc.onLine((stream, text) => this.observer.line(instance, stream, text));
    proc.onExit((code, signal) => this.exited(replica, code, signal));
    this.observer.started(instance, proc.pid);
    return true;
  }

  private stop(r: Replica): void {
    if (r.state === 'stopping') return;
    r.state = 'stopping';
    r.proc.kill('SIGTERM');
    r.killTimer = setTimeout(() => {
      r.killed = true;
      r.proc.kill('SIGKILL');
    }, this.options.stopGraceMs);
    r.killTimer.unref();
  }

  private exited(r: Replica, code: number | null, signal: NodeJS.Signals | null): void {
    clearTimeout(r.killTimer);
    this.replicas.delete(r.instance);
    const asked = r.state === 'stopping';
    const reason: ExitReason = asked
      ? r.killed
        ? 'killed'
        : 'stopped'
      : r.proc.pid === undefined
        ? 'spawn_failed'
        : code === 0
          ? 'exited'
          : 'crashed';
    this.observer.exited(r.instance, reason, code, signal);
    if (!asked && r.generation === this.generation && !this.removed) this.recordCrash(this.now() - r.startedAt);
    if (this.replicas.size === 0) this.idle.splice(0).forEach((resolve) => resolve());
    this.reconcile();
  }

  private recordCrash(ranForMs: number): void {
    if (ranForMs >= this.options.stableAfterMs) this.crashes = 0;
    this.crashes++;
    const delay = Math.min(this.options.backoffMaxMs, this.options.backoffMinMs * 2 ** Math.min(this.crashes - 1, 30));
    this.backoffUntil = this.now() + delay;
  }

  private armBackoff(wait: number): void {
    if (this.backoffTimer) return;
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      this.reconcile();
    }, wait);
    this.backoffTimer.unref();
  }

  private clearBackoff(): void {
    clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    this.backoffUntil = 0;
  }

  private armRolloutTimer(): void {
    this.clearRolloutTimer();
    this.rolloutTimer = setTimeout(() => {
      this.rolloutTimer = undefined;
      this.reconcile();
    }, this.options.rolloutTimeoutMs);
    this.rolloutTimer.unref();
  }

  private clearRolloutTimer(): void {
    clearTimeout(this.rolloutTimer);
    this.rolloutTimer = undefined;
  }
}

/** Lower = stopped first when there are too many. */
function rank(r: Replica): number {
  return r.state === 'ready' ? 2 : r.state === 'draining' ? 0 : 1;
}
