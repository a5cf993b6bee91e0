'use strict';
// Several nats-servers on this machine as one JetStream cluster: the same operator and account keys as
// the single server of bus.js (so credentials minted once work on every node), each node with its own
// client, route and store. Used by `SKIFF_NATS_NODES=3 npm start`, the cluster tests and bench-cluster.
const { existsSync, mkdtempSync, readFileSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { BootstrapError, StartedServer, freePort, probeNats, probeTcp, spawnServer, waitUntil } = require('./infra');

const HOST = '127.0.0.1';

/** SKIFF_NATS_NODES: how many servers `npm start` runs (1 unless set; 3 or 5 make a cluster that survives 1 or 2 losses). */
function clusterSize(env = process.env) {
  const raw = (env.SKIFF_NATS_NODES || '1').trim();
  if (!/^[1-9]$/.test(raw)) throw new BootstrapError(`SKIFF_NATS_NODES "${raw}" must be a number of servers from 1 to 9`);
  return Number(raw);
}

/** One server of the cluster: started, killed and started again on the same ports and store. */
class ClusterNode {
  constructor({ index, bin, port, clusterPort, configFile, storeDir, logFile }) {
    Object.assign(this, { index, bin, port, clusterPort, configFile, storeDir, logFile });
    this.url = `nats://${HOST}:${port}`;
    this.server = undefined;
  }

  get running() {
    return Boolean(this.server?.running);
  }

  get pid() {
    return this.server?.pid;
  }

  /** Starts the server and waits until it answers as a NATS server. */
  async start() {
    const { child, tail } = spawnServer(`nats-server-${this.index}`, this.bin, ['-c', this.configFile], { logFile: this.logFile });
    this.server = new StartedServer(`nats-server ${this.index}`, child, this.url, { logFile: this.logFile, tail });
    try {
      await waitUntil(`nats-server ${this.index}`, async () => (await probeNats(HOST, this.port))?.nats, { child });
    } catch (err) {
      await this.server.stop(2000);
      throw new BootstrapError(`${err.message} (log: ${this.logFile})\n  ${tail.join('\n  ')}`);
    }
    return this;
  }

  /** Sends `signal` (SIGKILL: a crash) and waits for the exit. */
  async kill(signal = 'SIGKILL') {
    if (!this.running) return;
    this.server.child.kill(signal);
    await this.server.exited;
  }

  async stop(graceMs) {
    await this.server?.stop(graceMs);
  }

  killNow() {
    this.server?.killNow();
  }
}

/** The running cluster, shaped like bus.js's StartedServer (stop, killNow, name, pid) for npm start and npm test. */
class StartedCluster {
  constructor(nodes, tempDir) {
    this.nodes = nodes;
    this.tempDir = tempDir;
    this.name = `nats cluster (${nodes.length} servers)`;
  }

  get pid() {
    return this.nodes.map((n) => n.pid).join(',');
  }

  async stop(graceMs) {
    await Promise.all(this.nodes.map((n) => n.stop(graceMs)));
    if (this.tempDir) require('node:fs').rmSync(this.tempDir, { recursive: true, force: true });
  }

  killNow() {
    for (const n of this.nodes) n.killNow();
    if (this.tempDir) require('node:fs').rmSync(this.tempDir, { recursive: true, force: true });
  }
}

/** Client and route ports: the ones used last time (kept in the bus dir) when free, else any free ones. */
async function choosePorts(dir, nodes, ephemeral) {
  const remembered = join(dir, 'cluster-ports.json');
  let last = [];
  if (!ephemeral && existsSync(remembered)) {
    try {
      last = JSON.parse(readFileSync(remembered, 'utf8'));
    } catch {
      last = [];
    }
  }
  const free = async (port) => (port > 0 && (await probeTcp(HOST, port, { timeoutMs: 300 })) === null ? port : freePort(HOST));
  const ports = [];
  for (let i = 0; i < nodes; i++) ports.push({ client: await free(last[i]?.client), cluster: await free(last[i]?.cluster) });
  if (!ephemeral) writeFileSync(remembered, JSON.stringify(ports));
  return ports;
}

/**
 * Starts `nodes` nats-servers on loopback as one JetStream cluster in operator mode (see bus.js
 * startBus for the options). Resolves with startBus's `{ url, started, issuer, issuerFile, dir }`,
 * `url` listing every node (comma-separated), plus `nodes` (ClusterNode: kill, start).
 */
async function startBusCluster({ bin, nodes, dataDir, ephemeral = false, log = console.log, limits, syncInterval, prepareBusServer }) {
  const root = ephemeral ? mkdtempSync(join(tmpdir(), 'skiff-bus-')) : resolve(dataDir);
  const dir = join(root, 'bus');
  require('node:fs').mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ports = await choosePorts(dir, nodes, ephemeral);
  const routes = ports.map((p) => `nats-route://${HOST}:${p.cluster}`);
  const members = [];
  // The account's usage counts every copy (an R3 store reserves its max_bytes on three servers): it may
  // use what all the nodes together hold.
  const accountLimits = { maxFileBytes: limits.maxFileBytes * nodes, maxMemoryBytes: limits.maxMemoryBytes * nodes };
  let files;
  for (const [index, p] of ports.entries()) {
    files = await prepareBusServer({
      dir,
      host: HOST,
      port: p.client,
      storeDir: join(root, `nats-${index}`),
      limits,
      accountLimits,
      syncInterval,
      cluster: { name: 'skiff', serverName: `skiff_${index}`, port: p.cluster, routes, configName: `nats-server-${index}.conf` },
    });
    members.push(
      new ClusterNode({
        index,
        bin,
        port: p.client,
        clusterPort: p.cluster,
        configFile: files.configFile,
        storeDir: join(root, `nats-${index}`),
        logFile: join(root, `nats-server-${index}.log`),
      }),
    );
  }
  const started = new StartedCluster(members, ephemeral ? root : undefined);
  try {
    await Promise.all(members.map((m) => m.start()));
  } catch (err) {
    await started.stop(2000);
    throw err;
  }
  const url = members.map((m) => m.url).join(',');
  log(`nats cluster of ${nodes} servers (pids ${started.pid}) listening at ${url}, credentials required`);
  return { url, started, issuer: files.issuer, issuerFile: files.issuerFile, dir, nodes: members };
}

module.exports = { startBusCluster, clusterSize, ClusterNode };
