import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TEST_ADMIN_PASSWORD } from './test-env';

/** Repository root. */
export const REPO_ROOT = resolve(__dirname, '../../..');

/** Path of a built service entry point (`npm run build` first). */
export function distEntry(app: string): string {
  const entry = join(REPO_ROOT, 'dist', 'apps', app, 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run "npm run build" first`);
  return entry;
}

/** A platform service running as a real child process. */
export class ServiceProcess {
  readonly output: string[] = [];
  private exited?: Promise<unknown>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      this.output.push(text);
      if (process.env.SKIFF_TEST_VERBOSE) process.stdout.write(`[${name}] ${text}`);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = once(child, 'exit');
  }

  /**
   * Starts `dist/apps/<app>/src/main.js` with `env` added to this process's environment (and the
   * test admin password, unless `env` sets SKIFF_ADMIN_PASSWORD; a gateway's metrics on any free
   * port unless `env` sets SKIFF_GATEWAY_METRICS_PORT).
   */
  static start(app: string, env: Record<string, string>, name = app): ServiceProcess {
    const defaults: Record<string, string> = {
      SKIFF_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      ...(app === 'gateway' ? { SKIFF_GATEWAY_METRICS_PORT: '0' } : {}),
    };
    // The run's own keys (SKIFF_TEST_*) are for test code, never for a service.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SKIFF_TEST_')));
    const child = spawn(process.execPath, [distEntry(app)], {
      env: { ...inherited, ...defaults, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new ServiceProcess(name, child);
  }

  /** Everything the process printed so far. */
  get log(): string {
    return this.output.join('');
  }

  /** True while the process runs. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
