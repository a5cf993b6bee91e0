import { spawn } from 'node:child_process';
import type { ReplicaSandboxSpec } from './replica-sandbox';

/** Everything needed to start one replica process. */
export interface LaunchSpec {
  /** Executable. */
  command: string;
  /** Arguments. */
  args: string[];
  /** Complete environment (nothing is inherited implicitly). */
  env: Record<string, string>;
  /** Working directory. */
  cwd: string;
  /** Secrets, limits and isolation of the replica (applied by the SandboxLauncher). */
  sandbox?: ReplicaSandboxSpec;
  /** An open file descriptor handed to the process as fd 3 (bubblewrap's --info-fd). */
  fd3?: number;
}

/** Which output stream a line came from. */
export type OutputStream = 'stdout' | 'stderr';

/** A started replica process, as the supervisor sees it. */
export interface ReplicaProcess {
  /** OS process id (undefined when the spawn failed). */
  readonly pid: number | undefined;
  /** Sends a signal; a no-op once the process has exited. */
  kill(signal: NodeJS.Signals): void;
  /** Called exactly once when the process ends (or failed to start: code null, signal null). */
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  /** Called for every output line. */
  onLine(listener: (stream: OutputStream, line: string) => void): void;
}

/** Starts replica processes; the seam unit tests replace. */
export interface ProcessLauncher {
  launch(spec: LaunchSpec): ReplicaProcess;
}

/** Injection token of the ProcessLauncher. */
export const PROCESS_LAUNCHER = 'PROCESS_LAUNCHER';

/** Longest output line kept whole; longer ones are cut (a runaway function must not eat memory). */
export const MAX_LINE = 16 * 1024;

/** Splits a byte stream into lines, flushing over-long ones in pieces. */
export function lineSplitter(emit: (line: string) => void): { push(chunk: Buffer | string): void; end(): void } {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        emit(pending.slice(0, nl).replace(/\r$/, '').slice(0, MAX_LINE));
        pending = pending.slice(nl + 1);
      }
      if (pending.length > MAX_LINE) {
        emit(pending.slice(0, MAX_LINE));
        pending = '';
      }
    },
    end() {
      if (pending) emit(pending);
      pending = '';
    },
  };
}

/**
 * Runs replicas as child processes. stdin stays an open pipe that is never written: when the
 * provider dies, even by SIGKILL, the pipe closes and the watchdog (SKIFF_EXIT_ON_STDIN_CLOSE=1)
 * exits, so no orphan replica keeps serving.
 */
export class ChildProcessLauncher implements ProcessLauncher {
  launch(spec: LaunchSpec): ReplicaProcess {
    const stdio: Array<'pipe' | number> = spec.fd3 === undefined ? ['pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe', spec.fd3];
    const child = spawn(spec.command, spec.args, { env: spec.env, cwd: spec.cwd, stdio });
    const exitListeners: Array<(code: number | null, signal: NodeJS.Signals | null) => void> = [];
    const lineListeners: Array<(stream: OutputStream, line: string) => void> = [];
    let exited = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (exited) return;
      exited = true;
      for (const l of exitListeners) l(code, signal);
    };
    for (const stream of ['stdout', 'stderr'] as const) {
      const split = lineSplitter((line) => lineListeners.forEach((l) => l(stream, line)));
      child[stream]!.on('data', (chunk: Buffer) => split.push(chunk));
      child[stream]!.on('end', () => split.end());
    }
    // EPIPE on stdin when the replica exits first is expected, not a provider error.
    child.stdin!.on('error', () => undefined);
    child.on('error', () => finish(null, null));
    child.on('exit', (code, signal) => finish(code, signal));
    return {
      pid: child.pid,
      kill: (signal) => {
        if (!exited && child.exitCode === null && child.signalCode === null) child.kill(signal);
      },
      onExit: (listener) => exitListeners.push(listener),
      onLine: (listener) => lineListeners.push(listener),
    };
  }
}
