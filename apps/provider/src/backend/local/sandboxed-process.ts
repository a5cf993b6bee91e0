import { readFileSync } from 'node:fs';
import { OutputStream, ReplicaProcess } from './process-launcher';

/** How often a signal waiting for the sandbox's watchdog to exist is tried again. */
const RETRY_MS = 20;

/**
 * A replica inside bubblewrap as the supervisor sees it. bubblewrap does not forward signals, and
 * killing it while it sets the sandbox up can leave the sandbox's init blocked forever (it waits
 * for its parent's go-ahead) or, a moment later, running without a parent. So signals never go to
 * bubblewrap: SIGKILL goes to the sandbox's init (its pid 1, whose host pid bubblewrap reports on
 * its info pipe), which takes the whole pid namespace with it; any other signal to the watchdog,
 * the init's first child. A signal sent before the sandbox exists waits until it does.
 */
export class SandboxedProcess implements ReplicaProcess {
  private proc?: ReplicaProcess;
  private initPid?: number;
  private watchdog?: number;
  private pending?: NodeJS.Signals;
  private exited = false;
  private timer?: NodeJS.Timeout;

  /** The bubblewrap process, once spawned. */
  attach(proc: ReplicaProcess): this {
    this.proc = proc;
    proc.onExit(() => {
      this.exited = true;
      clearTimeout(this.timer);
    });
    return this;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** bubblewrap reported the host pid of the sandbox's init. */
  started(initPid: number): void {
    this.initPid = initPid;
    this.flush();
  }

  kill(signal: NodeJS.Signals): void {
    if (this.exited) return;
    if (this.pending !== 'SIGKILL') this.pending = signal;
    this.flush();
  }

  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.proc?.onExit(listener);
  }

  onLine(listener: (stream: OutputStream, line: string) => void): void {
    this.proc?.onLine(listener);
  }

  private flush(): void {
    const signal = this.pending;
    if (this.exited || !signal || !this.initPid || !this.proc) return;
    const target = signal === 'SIGKILL' ? this.initPid : this.watchdogPid();
    if (!target) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, RETRY_MS);
      return;
    }
    this.pending = undefined;
    try {
      process.kill(target, signal);
    } catch {
      // gone already
    }
  }

  private watchdogPid(): number | undefined {
    if (this.watchdog || !this.initPid) return this.watchdog;
    try {
      this.watchdog =
        Number(readFileSync(`/proc/${this.initPid}/task/${this.initPid}/children`, 'utf8').trim().split(/\s+/)[0]) || undefined;
    } catch {
      // the sandbox is gone already
    }
    return this.watchdog;
  }
}
