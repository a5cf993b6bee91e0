'use strict';
// Finds NATS (with JetStream) and Redis at their URLs, or starts local nats-server / redis-server
// when nothing answers. Shared by `npm start` and `npm test`.
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} = require('node:fs');
const net = require('node:net');
const { tmpdir } = require('node:os');
const { delimiter, join, resolve } = require('node:path');

/** SKIFF_DATA_DIR, default ./.skiff. */
function defaultDataDir() {
  return resolve(process.env.SKIFF_DATA_DIR || '.skiff');
}

/** A problem the user must fix (printed without a stack trace, exit code 1). */
class BootstrapError extends Error {}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '0.0.0.0', '::']);

/** First server of a (possibly comma-separated) URL, with host and port split out. */
function parseServerUrl(url, defaultPort) {
  const first = String(url).split(',')[0].trim();
  let parsed;
  try {
    parsed = new URL(first);
  } catch {
    throw new BootstrapError(`"${first}" is not a URL`);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  return {
    url: first,
    protocol: parsed.protocol.replace(/:$/, ''),
    host,
    port: Number(parsed.port) || defaultPort,
    username: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    local: LOCAL_HOSTS.has(host),
  };
}

/**
 * Connects to host:port; resolves with the first bytes the peer sends within `timeoutMs`
 * (after writing `hello`, if given), '' when it accepted but said nothing, or null when nothing answers.
 */
function probeTcp(host, port, { timeoutMs = 1500, hello } = {}) {
  return new Promise((done) => {
    const socket = net.connect({ host, port });
    let settled = false;
    let connected = false;
    const finish = (value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      done(value);
    };
    const timer = setTimeout(() => finish(connected ? '' : null), timeoutMs);
    socket.once('connect', () => {
      connected = true;
      if (hello) socket.write(hello);
    });
    socket.once('data', (chunk) => finish(chunk.toString('utf8')));
    socket.once('error', () => finish(connected ? '' : null));
    socket.once('close', () => finish(connected ? '' : null));
  });
}

/** What a NATS server says on connect (INFO line), or null when nothing answers. */
async function probeNats(host, port) {
  const greeting = await probeTcp(host, port);
  if (greeting === null) return null;
  const match = /^INFO\s+(\{.*\})/.exec(greeting);
  if (!match) return { nats: false, jetstream: false, version: undefined, open: false };
  try {
    const info = JSON.parse(match[1]);
    return { nats: true, jetstream: Boolean(info.jetstream), version: info.version, open: !info.auth_required };
  } catch {
    return { nats: true, jetstream: false, version: undefined, open: false };
  }
}

/** True when something answers at host:port (a Redis answers PING with +PONG, or an auth error). */
async function probeRedis(host, port) {
  const reply = await probeTcp(host, port, { hello: 'PING\r\n' });
  return reply !== null;
}

/** Resolves when probe() is truthy, or rejects after timeoutMs (or when `child` exits first). */
async function waitUntil(what, probe, { timeoutMs = 20_000, child } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new BootstrapError(`${what}: the process exited (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    if (await probe()) return;
    if (Date.now() > deadline) throw new BootstrapError(`${what}: no answer after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Absolute path of an executable on PATH (plus the sbin directories Debian uses), or undefined. */
function which(command) {
  if (command.includes('/')) return existsSync(command) ? resolve(command) : undefined;
  const dirs = [...(process.env.PATH || '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A TCP port nobody listens on right now (on `host`). */
function freePort(host = '127.0.0.1') {
  return new Promise((done, fail) => {
    const server = net.createServer();
    server.unref();
    server.once('error', fail);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** How to install a missing server binary, as printed to the user. */
function installHint(binary, debianPackage, brewPackage, envUrl, url) {
  const sudo = typeof process.getuid === 'function' && process.getuid() !== 0 ? 'sudo ' : '';
  return [
    `${binary} is not installed, and nothing answers at ${url}.`,
    `Install it, then run this again:`,
    `  Debian/Ubuntu:  ${sudo}apt-get update && ${sudo}apt-get install -y ${debianPackage}`,
    `  macOS:          brew install ${brewPackage}`,
    `Or start one yourself and point ${envUrl} at it.`,
  ].join('\n');
}

/**
 * A server process this module started: stop() sends SIGTERM, waits (SIGKILL after `graceMs`)
 * and removes a temporary data directory.
 */
class StartedServer {
  constructor(name, child, url, { tempDir, logFile, tail }) {
    this.name = name;
    this.child = child;
    this.url = url;
    this.tempDir = tempDir;
    this.logFile = logFile;
    this.tail = tail;
    this.exited = new Promise((r) => child.once('exit', r));
  }

  get pid() {
    return this.child.pid;
  }

  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(graceMs = 10_000) {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
  }

  /** Kills without waiting (last resort when the parent exits). */
  killNow() {
    if (this.running) this.child.kill('SIGKILL');
    if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
  }
}

/** Spawns a server in its own process group (Ctrl-C in the terminal must not stop it before the services). */
function spawnServer(name, bin, args, { logFile }) {
  const child = spawn(bin, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = [];
  const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  const keep = (chunk) => {
    log?.write(chunk);
    tail.push(...chunk.toString().split('\n').filter(Boolean));
    if (tail.length > 40) tail.splice(0, tail.length - 40);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.once('exit', () => log?.end());
  child.once('error', (err) => tail.push(String(err)));
  return { child, tail };
}

/**
 * Uses the NATS server at `url` (SKIFF_NATS_URL set explicitly) as given: it must answer, with
 * JetStream. Resolves with `{ url, started: null, open }`; `open` is true when the server lets clients
 * in without credentials (every service then warns, and /system/info says so).
 */
async function useNats({ url, log = console.log }) {
  const server = parseServerUrl(url, 4222);
  const found = await probeNats(server.host, server.port);
  if (!found)
    throw new BootstrapError(
      `nothing answers at ${server.url} (SKIFF_NATS_URL); start NATS there, or unset SKIFF_NATS_URL to let Skiff start its own`,
    );
  if (!found.nats) throw new BootstrapError(`something answers at ${server.url}, but it is not a NATS server`);
  if (!found.jetstream)
    throw new BootstrapError(`the NATS server at ${server.url} runs without JetStream; Skiff needs it (nats-server -js)`);
  log(
    `NATS ${found.version ?? ''} with JetStream found at ${server.url} (SKIFF_NATS_URL)${found.open ? ': it lets anonymous clients in' : ''}`,
  );
  return { url, started: null, open: found.open };
}

/** Uses the Redis at `url` (SKIFF_REDIS_URL set explicitly) as given: something must answer there. */
async function useRedis({ url, log = console.log }) {
  const server = parseServerUrl(url, 6379);
  if (!(await probeRedis(server.host, server.port))) {
    throw new BootstrapError(
      `nothing answers at ${server.url} (SKIFF_REDIS_URL); start Redis there, or unset SKIFF_REDIS_URL to let Skiff start its own`,
    );
  }
  log(`Redis found at ${server.host}:${server.port} (SKIFF_REDIS_URL)`);
  return { url, started: null };
}

/**
 * Starts the platform's own redis-server with a generated password, from a 0600 config file (never
 * on the command line): port 6379 when free (else any), data in `<dataDir>/redis`, no persistence.
 * The password is in `<dir>/password` (0600); the URL carries none. Resolves with
 * `{ url, started, passwordFile }`.
 */
async function startRedis({ dataDir, ephemeral = false, log = console.log }) {
  const host = '127.0.0.1';
  const bin = which(process.env.SKIFF_REDIS_SERVER_BIN || 'redis-server');
  if (!bin) throw new BootstrapError(installHint('redis-server', 'redis-server', 'redis', 'SKIFF_REDIS_URL', `redis://${host}:6379`));
  const tempDir = ephemeral ? mkdtempSync(join(tmpdir(), 'skiff-redis-')) : undefined;
  const dir = ephemeral ? tempDir : resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const port = !ephemeral && (await probeTcp(host, 6379, { timeoutMs: 500 })) === null ? 6379 : await freePort(host);
  const passwordFile = join(dir, 'password');
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();
  const configFile = join(dir, 'redis.conf');
  const config = [`bind ${host}`, `port ${port}`, `dir ${dir}`, 'save ""', 'appendonly no', `requirepass ${password}`, ''].join('\n');
  writeFileSync(configFile, config, { mode: 0o600 });
  chmodSync(configFile, 0o600);
  const logFile = join(dir, 'redis-server.log');
  const { child, tail } = spawnServer('redis-server', bin, [configFile], { logFile });
  const url = `redis://${host}:${port}`;
  const started = new StartedServer('redis-server', child, url, { tempDir, logFile, tail });
  log(`starting ${bin} ${configFile}`);
  try {
    await waitUntil('redis-server', () => probeRedis(host, port), { child });
  } catch (err) {
    const output = tail.length ? `\n  ${tail.join('\n  ')}` : '';
    await started.stop(2000);
    throw new BootstrapError(`${err.message} (log: ${logFile})${output}`);
  }
  log(`redis-server (pid ${child.pid}) listening at ${url}, password in ${passwordFile}`);
  return { url, started, passwordFile };
}

module.exports = {
  defaultDataDir,
  BootstrapError,
  parseServerUrl,
  probeTcp,
  probeNats,
  probeRedis,
  waitUntil,
  which,
  freePort,
  useNats,
  useRedis,
  startRedis,
  StartedServer,
  spawnServer,
  installHint,
};
