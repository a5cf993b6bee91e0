import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { ReplicaSandboxSpec } from './replica-sandbox';

/** Everything needed to start one replica process. */
export interface LaunchSpec {
  /** Executable. */
  command: string;
  /** Arguments. */
  args: string[];
  /** Complete environment (nothing is inherited implicitly). */
  env: Record<string, string>;
  /**
   * Working directory on the host; undefined for an image that is not a bundle (the sandbox gives
   * it an empty read-only one; without a sandbox it runs in `/`).
   */
  cwd?: string;
  /** Secrets, limits and isolation of the replica (applied by the SandboxLauncher). */
  sandbox?: ReplicaSandboxSpec;
  /**
   * Data handed to the process through inherited descriptors, never through a file: for each entry
   * a pipe whose read end is the child's fd 4, 5, … (in order), `data` written and the write end
   * closed, and env var `env` set to the fd number. Passes through bubblewrap unchanged.
   */
  inheritData?: InheritedData[];
  /** Launcher plumbing: more data pipes after inheritData's, without env vars (bubblewrap's --ro-bind-data). */
  dataFds?: Buffer[];
  /** Launcher plumbing: fd 3 is a pipe read by the parent; its text arrives here when it closes (bubblewrap's --info-fd). */
  onFd3?: (text: string) => void;
}

/** One LaunchSpec.inheritData entry. */
export interface InheritedData {
  /** Environment variable that gets the descriptor's number. */
  env: string;
  /** What the child reads from it (then end of file); a promise while it is still being made (the child blocks reading). */
  data: Uint8Array | Promise<Uint8Array>;
}

/** First descriptor of LaunchSpec.inheritData (fd 3 stays bubblewrap's --info-fd). */
export const FIRST_DATA_FD = 4;

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
    const data = [...(spec.inheritData ?? []).map((d) => d.data), ...(spec.dataFds ?? [])];
    const stdio: Array<'pipe' | 'ignore'> = ['pipe', 'pipe', 'pipe'];
    if (spec.onFd3 || data.length) stdio.push(spec.onFd3 ? 'pipe' : 'ignore', ...data.map(() => 'pipe' as const));
    const env = { ...spec.env };
    (spec.inheritData ?? []).forEach((d, i) => (env[d.env] = String(FIRST_DATA_FD + i)));
    const child = spawn(spec.command, spec.args, { env, cwd: spec.cwd ?? '/', stdio });
    data.forEach((bytes, i) => {
      const pipe = child.stdio[FIRST_DATA_FD + i] as Writable | null;
      // EPIPE when the child exits (or never started) before reading is not the provider's error.
      pipe?.on('error', () => undefined);
      Promise.resolve(bytes).then(
        (ready) => pipe?.end(ready),
        () => pipe?.destroy(),
      );
    });
    const fd3 = spec.onFd3 && (child.stdio[3] as Readable | null);
    if (fd3 && spec.onFd3) {
      const chunks: Buffer[] = [];
      const report = spec.onFd3;
      fd3.on('data', (c: Buffer) => chunks.push(c));
      fd3.on('error', () => undefined);
      fd3.on('close', () => report(Buffer.concat(chunks).toString()));
    }
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
