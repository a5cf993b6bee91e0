// `npm start` (scripts/start.js) as a user runs it: its own nats-server when nothing answers, every
// built service with readable prefixed logs, a loud message when a service dies, and a clean stop.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClient, REPO_ROOT, basicAuthHeader, freePort, portVariable, processAlive, waitFor } from '@skiff/testing';
import { adminPasswordPath } from '@skiff/config/admin-credentials';

// Jest 30 takes testTimeout from the global config only (the e2e project's value is ignored).
jest.setTimeout(180_000);

const { discoverServices } = require('../scripts/lib/services.js') as { discoverServices(): { name: string; needsRedis?: boolean }[] };
const { formatLine } = require('../scripts/lib/log-format.js') as { formatLine(line: string, o?: { colour?: boolean }): string };

/** scripts/start.js as a child process, with everything it printed. */
class StartScript {
  output = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.output += c.toString()));
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
  }

  static run(env: Record<string, string>): StartScript {
    return new StartScript(
      spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'start.js')], {
        cwd: REPO_ROOT,
        env: { ...process.env, SKIFF_SKIP_BUILD: '1', NO_COLOR: '1', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
  }

  async waitForOutput(what: string | RegExp, timeoutMs = 90_000): Promise<void> {
    const seen = () => (typeof what === 'string' ? this.output.includes(what) : what.test(this.output));
    await waitFor(`start.js to print ${String(what)}`, () => seen() || this.child.exitCode !== null, timeoutMs, 100);
    if (!seen()) throw new Error(`start.js exited (${this.child.exitCode}) before printing ${String(what)}:\n${this.output}`);
  }

  /** pid of every process the summary and the log name (services and servers it started). */
  pids(): Record<string, number> {
    const pids: Record<string, number> = {};
    for (const m of this.output.matchAll(/^\s+([a-z-]+):\s+pid (\d+)/gm)) pids[m[1]] = Number(m[2]);
    for (const m of this.output.matchAll(/(nats-server|redis-server) \(pid (\d+)\) listening/g)) pids[m[1]] = Number(m[2]);
    return pids;
  }
}

describe('npm start (scripts/start.js)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-start-'));
  let script: StartScript | undefined;
  let pids: Record<string, number> = {};

  afterAll(async () => {
    if (script && script.child.exitCode === null) {
      script.child.kill('SIGTERM');
      await Promise.race([script.exited, new Promise((r) => setTimeout(r, 40_000))]);
    }
    for (const pid of Object.values(pids)) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts nats-server and every service, survives a dead service, and stops everything on SIGTERM', async () => {
    const services = discoverServices();
    expect(services.slice(0, 2).map((s) => s.name)).toEqual(['provider', 'gateway']);
    const env: Record<string, string> = {
      SKIFF_NATS_URL: `nats://127.0.0.1:${await freePort()}`,
      SKIFF_REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      SKIFF_DATA_DIR: dataDir,
      SKIFF_SUBJECT_PREFIX: process.env.SKIFF_SUBJECT_PREFIX ?? 'faas',
      SKIFF_LOG_LEVEL: 'info',
      // The store seed deploys functions in the background; this test checks an empty platform.
      SKIFF_SEED: 'false',
    };
    for (const s of services) env[portVariable(s.name)] = String(await freePort());
    env.SKIFF_GATEWAY_METRICS_PORT = String(await freePort());
    script = StartScript.run(env);

    await script.waitForOutput('Skiff is running.');
    pids = script.pids();
    expect(script.output).toContain(`nats-server (pid ${pids['nats-server']}) listening at ${env.SKIFF_NATS_URL}`);
    for (const s of services) expect(pids[s.name]).toBeGreaterThan(0);
    if (services.some((s) => s.needsRedis)) expect(pids['redis-server']).toBeGreaterThan(0);

    // Readable, prefixed logs instead of JSON lines.
    expect(script.output).toMatch(/^\[provider\] \d\d:\d\d:\d\d\.\d{3} info {2}provider listening port=\d+/m);
    expect(script.output).not.toMatch(/^\[gateway\] \{"level"/m);

    const url = /Gateway:\s+(http:\/\/\S+)/.exec(script.output)?.[1];
    if (!url) throw new Error(`no gateway URL in the output of start.js:\n${script.output}`);
    expect(url).toBe(`http://127.0.0.1:${env.SKIFF_GATEWAY_PORT}`);
    // The generated admin password is printed, stored with mode 0600, and guards /system/*.
    const password = /Admin:\s+user admin, password (\S+)/.exec(script.output)?.[1];
    expect(password).toBeTruthy();
    expect(readFileSync(adminPasswordPath(dataDir), 'utf8').trim()).toBe(password);
    expect(statSync(adminPasswordPath(dataDir)).mode & 0o777).toBe(0o600);
    const gateway = new HttpClient(url!, basicAuthHeader('admin', password));
    expect((await gateway.get('/healthz')).status).toBe(200);
    expect((await gateway.get('/system/functions')).json()).toEqual([]);
    expect((await new HttpClient(url!).get('/system/functions')).status).toBe(401);

    // A service that dies is reported loudly; the others keep running.
    process.kill(pids.gateway, 'SIGKILL');
    await script.waitForOutput(`gateway (pid ${pids.gateway}) died`);
    expect(script.child.exitCode).toBeNull();
    expect((await new HttpClient(`http://127.0.0.1:${env.SKIFF_PROVIDER_PORT}`).get('/healthz')).status).toBe(200);

    script.child.kill('SIGTERM');
    expect(await script.exited).toBe(0);
    expect(script.output).toContain(`stopping nats-server (pid ${pids['nats-server']})`);
    for (const [name, pid] of Object.entries(pids)) {
      await waitFor(`${name} (pid ${pid}) to be gone`, () => !processAlive(pid), 10_000);
    }
  });

  it('says how to install nats-server when it is missing and nothing answers', async () => {
    const missing = StartScript.run({
      SKIFF_NATS_URL: `nats://127.0.0.1:${await freePort()}`,
      SKIFF_NATS_SERVER_BIN: '/nonexistent/nats-server',
      SKIFF_DATA_DIR: dataDir,
    });
    expect(await missing.exited).toBe(1);
    expect(missing.output).toContain('nats-server is not installed');
    expect(missing.output).toContain('apt-get update && ');
    expect(missing.output).toContain('apt-get install -y nats-server');
  });

  it('refuses a NATS URL where something else answers', async () => {
    const other = await freePort();
    const server = createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((r) => server.listen(other, '127.0.0.1', r));
    try {
      const wrong = StartScript.run({ SKIFF_NATS_URL: `nats://127.0.0.1:${other}`, SKIFF_DATA_DIR: dataDir });
      expect(await wrong.exited).toBe(1);
      expect(wrong.output).toContain('is not a NATS server');
    } finally {
      server.close();
    }
  });
});

describe('log formatting of the start script', () => {
  it('turns a pino JSON record into a short line with compact extra fields', () => {
    const line = JSON.stringify({
      level: 'warn',
      time: '2026-01-02T03:04:05.678Z',
      service: 'gateway',
      pid: 12,
      context: 'InvokeController',
      msg: 'slow call',
      fn: 'echo',
      ms: 1500,
      note: 'has spaces',
    });
    expect(formatLine(line)).toBe('03:04:05.678 warn  [InvokeController] slow call fn=echo ms=1500 note="has spaces"');
  });

  it('puts an error stack under the line and passes other text through', () => {
    const line = JSON.stringify({ level: 'error', msg: 'boom', err: { type: 'Error', message: 'x', stack: 'Error: x\n    at f' } });
    expect(formatLine(line).split('\n')).toEqual(['error boom', '    Error: x', '        at f']);
    expect(formatLine('plain words {not json')).toBe('plain words {not json');
  });
});
