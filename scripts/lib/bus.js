'use strict';
// The platform's own NATS server: decentralized-JWT mode, a generated 0600 config, keys kept in the
// data dir, one credentials file per service. Shared by `npm start`, `npm test` and the benchmarks.
// Needs the build (dist/libs/nats/src/auth), which every caller runs first.
const { spawnSync } = require('node:child_process');
const { existsSync, mkdtempSync, readFileSync, statfsSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { REPO_ROOT } = require('./paths');
const { BootstrapError, StartedServer, freePort, probeNats, probeTcp, spawnServer, waitUntil, which, installHint } = require('./infra');
const { startBusCluster, clusterSize } = require('./bus-cluster');

const HOST = '127.0.0.1';
const DEFAULT_PORT = 4222;
const GiB = 1024 ** 3;

function auth() {
  const file = join(REPO_ROOT, 'dist', 'libs', 'nats', 'src', 'auth', 'bus-setup.js');
  if (!existsSync(file)) throw new BootstrapError(`${file} is missing: build first (npm run build)`);
  return require(file);
}

/**
 * JetStream limits of one server: SKIFF_NATS_MAX_FILE_BYTES (default: half the free space of the store,
 * shared by the `nodes` servers on this machine, at most 10 GiB each) and SKIFF_NATS_MAX_MEMORY_BYTES
 * (256 MiB). A cluster's account gets the nodes' sum (bus-cluster.js).
 */
function jetStreamLimits(storeDir, nodes = 1) {
  const number = (name, fallback) => {
    const raw = process.env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < 1024 * 1024)
      throw new BootstrapError(`${name} "${raw}" must be a whole number of bytes, at least 1048576`);
    return Number(raw);
  };
  let free = 10 * GiB;
  try {
    const fs = statfsSync(existsSync(storeDir) ? storeDir : tmpdir());
    free = fs.bavail * fs.bsize;
  } catch {
    // statfs unavailable: keep the cap
  }
  return {
    maxFileBytes: number('SKIFF_NATS_MAX_FILE_BYTES', Math.max(256 * 1024 * 1024, Math.min(10 * GiB, Math.floor(free / 2 / nodes)))),
    maxMemoryBytes: number('SKIFF_NATS_MAX_MEMORY_BYTES', 256 * 1024 * 1024),
  };
}

/** `[major, minor, patch]` of a nats-server binary (`nats-server --version`: "nats-server: v2.9.10"), undefined when unreadable. */
function natsServerVersion(bin) {
  const out = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const match = /v(\d+)\.(\d+)\.(\d+)/.exec(`${out.stdout || ''}${out.stderr || ''}`);
  return match ? match.slice(1, 4).map(Number) : undefined;
}

/**
 * SKIFF_NATS_SYNC_INTERVAL: `always` (fsync every write) or a Go duration; unset keeps nats-server's
 * 2-minute default. JetStream's `sync_interval` exists from nats-server 2.10 on: an older `bin` would
 * refuse the whole config ("unknown field"), so this refuses first and says why.
 */
function syncInterval(bin) {
  const raw = (process.env.SKIFF_NATS_SYNC_INTERVAL || '').trim();
  if (!raw) return undefined;
  if (raw !== 'always' && !/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(raw))
    throw new BootstrapError(`SKIFF_NATS_SYNC_INTERVAL "${raw}" must be "always" or a duration such as 10s or 1m`);
  const version = natsServerVersion(bin);
  if (version && (version[0] < 2 || (version[0] === 2 && version[1] < 10)))
    throw new BootstrapError(
      `SKIFF_NATS_SYNC_INTERVAL=${raw} needs nats-server 2.10 or later (JetStream's sync_interval), and ${bin} is ` +
        `${version.join('.')}: unset SKIFF_NATS_SYNC_INTERVAL (writes are then fsynced every 2 minutes), or point ` +
        `SKIFF_NATS_SERVER_BIN at a nats-server 2.10+`,
    );
  return raw;
}

/** The port to listen on: the one used last time (kept in the bus dir), else 4222, else any free one. */
async function choosePort(dir, ephemeral) {
  if (ephemeral) return freePort(HOST);
  const remembered = join(dir, 'port');
  const last = existsSync(remembered) ? Number(readFileSync(remembered, 'utf8')) : DEFAULT_PORT;
  for (const candidate of [last, DEFAULT_PORT]) {
    if (candidate > 0 && (await probeTcp(HOST, candidate, { timeoutMs: 500 })) === null) return candidate;
  }
  return freePort(HOST);
}

/**
 * Starts the platform's own nats-server (JetStream, operator mode). `dataDir` keeps the keys
 * (`bus/`) and the store (`nats/`); `ephemeral` uses a temporary directory and a free port instead;
 * `limits` replaces the JetStream limits of jetStreamLimits(). `nodes` (default SKIFF_NATS_NODES, 1)
 * above 1 starts that many servers on loopback as one JetStream cluster (bus-cluster.js).
 * Resolves with `{ url, started, issuer, issuerFile, dir }` (`url` lists every server).
 */
async function startBus({ dataDir, ephemeral = false, log = console.log, limits, nodes = clusterSize() }) {
  const bin = which(process.env.SKIFF_NATS_SERVER_BIN || 'nats-server');
  if (!bin)
    throw new BootstrapError(installHint('nats-server', 'nats-server', 'nats-server', 'SKIFF_NATS_URL', `nats://${HOST}:${DEFAULT_PORT}`));
  if (nodes > 1) {
    const storeRoot = ephemeral ? tmpdir() : resolve(dataDir);
    const { prepareBusServer } = auth();
    return startBusCluster({
      bin,
      nodes,
      dataDir,
      ephemeral,
      log,
      limits: limits ?? jetStreamLimits(storeRoot, nodes),
      syncInterval: syncInterval(bin),
      prepareBusServer,
    });
  }
  const root = ephemeral ? mkdtempSync(join(tmpdir(), 'skiff-bus-')) : resolve(dataDir);
  const dir = join(root, 'bus');
  const storeDir = join(root, 'nats');
  const { prepareBusServer } = auth();
  const port = await choosePort(dir, ephemeral);
  const files = await prepareBusServer({
    dir,
    host: HOST,
    port,
    storeDir,
    limits: limits ?? jetStreamLimits(root),
    syncInterval: syncInterval(bin),
  });
  if (!ephemeral) writeFileSync(join(dir, 'port'), String(port));
  const logFile = join(root, 'nats-server.log');
  const args = ['-c', files.configFile];
  const { child, tail } = spawnServer('nats-server', bin, args, { logFile });
  const url = `nats://${HOST}:${port}`;
  const started = new StartedServer('nats-server', child, url, { tempDir: ephemeral ? root : undefined, logFile, tail });
  log(`starting ${bin} -c ${files.configFile}`);
  try {
    await waitUntil('nats-server', async () => (await probeNats(HOST, port))?.nats, { child });
  } catch (err) {
    const output = tail.length ? `\n  ${tail.join('\n  ')}` : '';
    await started.stop(2000);
    throw new BootstrapError(`${err.message} (log: ${logFile})${output}`);
  }
  log(`nats-server (pid ${child.pid}) listening at ${url}, JetStream store ${storeDir}, credentials required`);
  return { url, started, issuer: files.issuer, issuerFile: files.issuerFile, dir };
}

/** Mints the credentials of one platform (subject prefix) into `dir`: one file per service, a topic publisher, an admin. */
async function platformCredentials(bus, prefix, dir) {
  return auth().writePlatformCredentials(bus.issuer, prefix, dir);
}

/** The bus variables of one service: its URL and credentials; the provider also gets the issuer (it mints replica credentials). */
function serviceBusEnv(bus, credentials, service) {
  const env = { SKIFF_NATS_URL: bus.url };
  const creds = credentials.services[service];
  if (creds) env.SKIFF_NATS_CREDS = creds;
  if (service === 'provider') env.SKIFF_NATS_ISSUER_FILE = bus.issuerFile;
  return env;
}

/** nats.js connect options of the admin credentials (for the scripts' own connections). */
function adminConnectOptions(bus, credentials) {
  const { credsAuthenticator } = require(join(REPO_ROOT, 'node_modules', 'nats'));
  return { servers: bus.url.split(','), authenticator: credsAuthenticator(readFileSync(credentials.admin)) };
}

module.exports = { startBus, platformCredentials, serviceBusEnv, adminConnectOptions, jetStreamLimits };
