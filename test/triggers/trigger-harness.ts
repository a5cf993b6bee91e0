import { spawn, ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subjects } from '@skiff/contracts';
import { InvokeRequest } from '@skiff/invoke';
import { ServiceProcess, serviceBusEnv, serviceHealth, waitFor } from '@skiff/testing';
import { AsyncHarness, freePort } from '../async/harness';

/** Async harness plus the trigger services and a record of every call each test replica received. */
export class TriggerHarness extends AsyncHarness {
  /** Calls received per function name. */
  readonly calls = new Map<string, InvokeRequest[]>();

  /** Deploys a function into the registry and serves it from this process, recording its calls. */
  async deployRecorded(name: string, annotations: Record<string, string>): Promise<void> {
    this.calls.set(name, []);
    this.replica(name, (req) => {
      this.calls.get(name)!.push(req);
      return { status: 200, body: Buffer.from('ok') };
    });
    await this.deploy(name, annotations);
  }

  /** Calls of one function. */
  of(name: string): InvokeRequest[] {
    return this.calls.get(name) ?? [];
  }

  /** Starts a built service on a free port (`portVar`) and waits for /healthz; returns it and its URL. */
  async startApp(
    app: string,
    portVar: string,
    env: Record<string, string> = {},
    name = app,
  ): Promise<{ process: ServiceProcess; url: string }> {
    const port = await freePort();
    const base = { SKIFF_SUBJECT_PREFIX: subjects.prefix, SKIFF_NATS_URL: this.natsUrl, [portVar]: String(port), ...env };
    const p = ServiceProcess.start(app, { ...(await serviceBusEnv(app, base)), ...base }, name);
    this.processes.push(p);
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      `${name} to be healthy`,
      async () => {
        if (!p.running) throw new Error(`${name} exited:\n${p.log}`);
        // A provider started after another stands by until that one's lease is released or expires.
        return (await serviceHealth(url)) === 'serving';
      },
      60_000,
      100,
    );
    return { process: p, url };
  }

  /** Starts a provider (secrets, the webhook signature check) with a temporary data dir. */
  async startProvider(env: Record<string, string> = {}, name = 'provider'): Promise<ServiceProcess> {
    this.dataDir ??= mkdtempSync(join(tmpdir(), 'skiff-trigger-data-'));
    return (await this.startApp('provider', 'SKIFF_PROVIDER_PORT', { SKIFF_DATA_DIR: this.dataDir, ...env }, name)).process;
  }

  private dataDir?: string;

  /** Also removes the provider's data dir (the streams go with the async harness's close). */
  override async close(): Promise<void> {
    await super.close();
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A private redis-server on a free port with a temporary directory (never the shared Redis). */
export class PrivateRedis {
  private child?: ChildProcess;
  private dir = '';
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.port = await freePort();
    this.dir = mkdtempSync(join(tmpdir(), 'skiff-redis-'));
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await waitFor('redis-server to answer', () => this.cli('PING') === 'PONG', 10_000, 100);
    return this;
  }

  /** Runs one redis-cli command against this server; undefined when it cannot connect. */
  cli(...args: string[]): string | undefined {
    try {
      return execFileSync('redis-cli', ['-p', String(this.port), ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return undefined;
    }
  }

  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null) {
      const exited = new Promise((r) => this.child!.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Waits `ms` (to let late duplicates arrive before counting). */
export function settle(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
