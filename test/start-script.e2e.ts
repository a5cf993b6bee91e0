// `npm start` (scripts/start.js) as a user runs it: its own nats-server (credentials required) and
// redis-server (password), every built service with readable prefixed logs, a loud message when a
// service dies, and a clean stop; and, as an attacker on the same machine would look (audit #3, #13):
// no anonymous NATS or Redis client gets in, no credential is printed, on a command line or in the
// environment of a service that does not need it, and the publisher's credentials reach topics only.
import { ChildProcess, spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, credsAuthenticator } from 'nats';
import { HttpClient, REPO_ROOT, basicAuthHeader, freePort, portVariable, processAlive, waitFor } from '@skiff/testing';
import { adminPasswordPath } from '@skiff/config/admin-credentials';

// Jest 30 takes testTimeout from the global config only (the e2e project's value is ignored).
jest.setTimeout(180_000);

const { discoverServices } = require('../scripts/lib/services.js') as { discoverServices(): { name: string; needsRedis?: boolean }[] };
const { formatLine } = require('../scripts/lib/log-format.js') as { formatLine(line: string, o?: { colour?: boolean }): string };

/** What Redis answers to one command sent without credentials. */
function redisSays(port: number, command: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write(`${command}\r\n`));
    socket.once('data', (d) => (resolve(d.toString().trim()), socket.destroy()));
    socket.once('error', (e) => resolve(`error ${e.message}`));
  });
}

/** A process's command line and environment as another process of root sees them. */
function procText(pid: number, file: 'cmdline' | 'environ'): string {
  return readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0').join('\n');
}

/** scripts/start.js as a child process, with everything it printed. */
class StartScript {
  output = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.output += c.toString()));
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
  }

  /** Runs start.js as a user would: none of the test run's own servers or keys in its environment. */
  static run(env: Record<string, string>): StartScript {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^SKIFF_(NATS_URL|REDIS_URL|TEST_)/.test(k)));
    return new StartScript(
      spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'start.js')], {
        cwd: REPO_ROOT,
        env: { ...inherited, SKIFF_SKIP_BUILD: '1', NO_COLOR: '1', ...env },
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

  it('starts its own secured nats-server and redis-server and every service, survives a dead service, and stops everything on SIGTERM', async () => {
    const services = discoverServices();
    expect(services.slice(0, 2).map((s) => s.name)).toEqual(['provider', 'gateway']);
    const secretsKey = randomBytes(32).toString('base64');
    const env: Record<string, string> = {
      SKIFF_DATA_DIR: dataDir,
      SKIFF_SUBJECT_PREFIX: process.env.SKIFF_SUBJECT_PREFIX ?? 'faas',
      SKIFF_LOG_LEVEL: 'info',
      // A secret the user set: only the provider may see it.
      SKIFF_SECRETS_KEY: secretsKey,
      // The store seed deploys functions in the background; this test checks an empty platform.
      SKIFF_SEED: 'false',
    };
    for (const s of services) env[portVariable(s.name)] = String(await freePort());
    env.SKIFF_GATEWAY_METRICS_PORT = String(await freePort());
    script = StartScript.run(env);

    await script.waitForOutput('Skiff is running.');
    pids = script.pids();
    const natsUrl = /nats-server \(pid \d+\) listening at (nats:\/\/\S+), JetStream store \S+, credentials required/.exec(
      script.output,
    )?.[1];
    expect(natsUrl).toBeTruthy();
    for (const s of services) expect(pids[s.name]).toBeGreaterThan(0);
    if (services.some((s) => s.needsRedis)) expect(pids['redis-server']).toBeGreaterThan(0);
    // Every service runs with its own bus user (a permission it lacks would have stopped it).
    for (const [name, pid] of Object.entries(pids)) expect([name, processAlive(pid)]).toEqual([name, true]);

    // Readable, prefixed logs instead of JSON lines.
    expect(script.output).toMatch(/^\[provider\] \d\d:\d\d:\d\d\.\d{3} info {2}provider listening port=\d+/m);
    expect(script.output).not.toMatch(/^\[gateway\] \{"level"/m);

    const url = /Gateway:\s+(http:\/\/\S+)/.exec(script.output)?.[1];
    if (!url) throw new Error(`no gateway URL in the output of start.js:\n${script.output}`);
    expect(url).toBe(`http://127.0.0.1:${env.SKIFF_GATEWAY_PORT}`);
    // The generated admin password is stored with mode 0600 and guards /system/*; start.js prints where it is, not what (#13).
    const password = readFileSync(adminPasswordPath(dataDir), 'utf8').trim();
    expect(password.length).toBeGreaterThan(10);
    expect(statSync(adminPasswordPath(dataDir)).mode & 0o777).toBe(0o600);
    expect(script.output).toContain(`Admin:        user admin, password in ${adminPasswordPath(dataDir)}`);
    expect(script.output).not.toContain(password);
    const gateway = new HttpClient(url!, basicAuthHeader('admin', password));
    expect((await gateway.get('/healthz')).status).toBe(200);
    expect((await gateway.get('/system/functions')).json()).toEqual([]);
    expect((await new HttpClient(url!).get('/system/functions')).status).toBe(401);
    expect((await gateway.get('/system/info')).json<{ bus: { anonymous: boolean } }>().bus.anonymous).toBe(false);

    // The bus: no anonymous client (#3); its files are the owner's only.
    await expect(connect({ servers: natsUrl!, reconnect: false })).rejects.toMatchObject({ code: 'AUTHORIZATION_VIOLATION' });
    const busDir = join(dataDir, 'bus');
    expect(statSync(busDir).mode & 0o777).toBe(0o700);
    for (const file of ['nats-server.conf', 'issuer.nk', 'operator.nk', 'account.nk', 'signing.nk', 'system.nk'])
      expect(statSync(join(busDir, file)).mode & 0o777).toBe(0o600);
    for (const file of readdirSync(join(busDir, 'creds'))) expect(statSync(join(busDir, 'creds', file)).mode & 0o777).toBe(0o600);

    // The topic publisher's credentials (printed where they are) publish topics and nothing else.
    const publisherCreds = join(dataDir, 'nats-publisher.creds');
    expect(script.output).toContain(`Publish:      topics only, with the credentials in ${publisherCreds}`);
    expect(statSync(publisherCreds).mode & 0o777).toBe(0o600);
    const publisher = await connect({
      servers: natsUrl!,
      authenticator: credsAuthenticator(new Uint8Array(readFileSync(publisherCreds))),
      reconnect: false,
    });
    const errors: string[] = [];
    void (async () => {
      for await (const s of publisher.status()) if (s.type === 'error') errors.push(String(s.data));
    })();
    publisher.publish(`${env.SKIFF_SUBJECT_PREFIX}.topic.orders`, '{"id":1}');
    publisher.publish(`${env.SKIFF_SUBJECT_PREFIX}.provider.function.list`, '{}');
    await publisher.flush();
    await waitFor('the permission error', () => errors.length > 0, 5_000);
    expect(errors.join(' ')).toMatch(/PERMISSIONS_VIOLATION/);
    await publisher.close();

    // Redis needs the generated password (#13).
    const redisPort = Number(/redis-server \(pid \d+\) listening at redis:\/\/127\.0\.0\.1:(\d+)/.exec(script.output)?.[1]);
    expect(await redisSays(redisPort, 'PING')).toMatch(/NOAUTH/);
    const redisPassword = readFileSync(join(dataDir, 'redis', 'password'), 'utf8').trim();
    expect(await redisSays(redisPort, `AUTH ${redisPassword}`)).toBe('+OK');

    // No credential on a command line; secrets only in the environment of the service that uses them (#13).
    for (const [name, pid] of Object.entries(pids)) {
      const cmdline = procText(pid, 'cmdline');
      for (const secret of [password, redisPassword, secretsKey]) expect(cmdline).not.toContain(secret);
      expect(cmdline).not.toMatch(/--pass|requirepass|--user/);
      if (name === 'nats-server' || name === 'redis-server') continue;
      const environ = procText(pid, 'environ');
      expect(environ).not.toContain(password);
      expect(environ).not.toContain(redisPassword);
      expect(environ.includes(secretsKey)).toBe(name === 'provider');
      expect(environ.includes('SKIFF_NATS_ISSUER_FILE')).toBe(name === 'provider');
    }
    expect(existsSync(join(dataDir, 'bus', 'creds', 'provider.creds'))).toBe(true);

    // A service that dies is reported loudly; the others keep running, and it is started again.
    process.kill(pids.gateway, 'SIGKILL');
    await script.waitForOutput(`gateway (pid ${pids.gateway}) died`);
    expect(script.child.exitCode).toBeNull();
    expect((await new HttpClient(`http://127.0.0.1:${env.SKIFF_PROVIDER_PORT}`).get('/healthz')).status).toBe(200);
    await script.waitForOutput(/gateway restarted \(pid (\d+)\)/);
    const restarted = Number(/gateway restarted \(pid (\d+)\)/.exec(script.output)![1]);
    expect(restarted).not.toBe(pids.gateway);
    pids['gateway (restarted)'] = restarted;
    expect((await new HttpClient(url!).get('/healthz')).status).toBe(200);
    expect((await gateway.get('/system/functions')).status).toBe(200);

    script.child.kill('SIGTERM');
    expect(await script.exited).toBe(0);
    expect(script.output).toContain(`stopping nats-server (pid ${pids['nats-server']})`);
    for (const [name, pid] of Object.entries(pids)) {
      await waitFor(`${name} (pid ${pid}) to be gone`, () => !processAlive(pid), 10_000);
    }
  });

  it('says how to install nats-server when it is missing', async () => {
    const missing = StartScript.run({
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
