#!/usr/bin/env node
'use strict';
// The Docker Swarm the swarm backend's tests (and bench) run on, built on this machine:
//  - dockerd on /var/run/docker.sock (started when `docker info` fails), made a swarm manager;
//  - with `nodes: 2`, a second dockerd in a network namespace of its own (veth pair, its own
//    data-root, exec-root, pidfile and socket; started with nsenter --net, since `ip netns exec`
//    remounts /sys and hides the cgroups), joined as a worker;
//  - a local docker-registry on the loopback, through which images reach the second node;
//  - TCP forwarders so the second node's loopback reaches the host's loopback ports (registry, NATS):
//    every node uses the same 127.0.0.1 URLs, and the bus still sees replicas connect from the loopback.
//  - or, with `own: true`, a one-node swarm whose manager is such a netns dockerd (tests that restart
//    dockerd: restartOwnManager() restarts it without touching the dockerd other tests use).
// Everything made here is undone by down(); a swarm that existed before is kept.
// CLI: `node scripts/docker/swarm-nodes.js up [--nodes 2] [--forward <port>...]` prints the state as JSON
// and keeps running until interrupted (then tears down).
const { spawn } = require('node:child_process');
const { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { sh, docker, until, freePort } = require('./shell');
const { startNetnsNode, startNetnsDockerd, stopNetnsDockerd } = require('./netns-node');

const FORWARDER = join(__dirname, 'tcp-forward.js');

/** Starts dockerd when nothing answers on the default socket; returns the child we started, if any. */
async function ensureDockerd(log) {
  if (docker(['info'], { allowFail: true }).ok) return undefined;
  log('dockerd is not running: starting it (log /var/log/dockerd.log)');
  const out = openSync('/var/log/dockerd.log', 'a');
  const child = spawn('dockerd', [], { detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  await until('dockerd', () => docker(['info'], { allowFail: true }).ok, 60_000);
  return child;
}

function swarmState(host) {
  const args = host ? ['-H', host] : [];
  return docker([...args, 'info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.NodeAddr}}']).out.split(' ');
}

/** Spawns a forwarder (optionally inside a network namespace) and waits for it to listen. */
async function forwarder(listenHost, targetHost, ports, netns) {
  const argv = [process.execPath, FORWARDER, listenHost, targetHost, ...ports.map(String)];
  const child = netns ? spawn('nsenter', [`--net=/var/run/netns/${netns}`, ...argv]) : spawn(argv[0], argv.slice(1));
  let output = '';
  child.stderr.on('data', (d) => (output += d));
  await until(`forwarder ${listenHost} → ${targetHost}`, () => {
    if (child.exitCode !== null) throw new Error(`forwarder exited: ${output}`);
    return child.stdout.read()?.toString().includes('ready');
  });
  return child;
}

async function startRegistry(dir, log) {
  const port = await freePort();
  const config = join(dir, 'registry.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog: { level: warn }\nstorage: { filesystem: { rootdirectory: ${join(dir, 'registry')} }, delete: { enabled: true } }\nhttp: { addr: 127.0.0.1:${port} }\n`,
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (d) => (errors = (errors + d).slice(-2000)));
  await until('docker-registry', async () => {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${errors}`);
    return fetch(`http://127.0.0.1:${port}/v2/`).then(
      (r) => r.ok,
      () => false,
    );
  });
  log(`docker-registry on 127.0.0.1:${port}`);
  return { child, address: `127.0.0.1:${port}` };
}

/**
 * Restarts the dockerd of a swarm made with `own: true` (the only node, a manager no other test
 * uses), as an operator's `systemctl restart docker` does, running `whileDown` between the stop and the
 * start, and waits until it is a manager again.
 */
async function restartOwnManager(state, log = () => undefined, whileDown = async () => undefined) {
  const node = state.node2;
  if (!state.own || !node) throw new Error('restartOwnManager: this swarm was not made with own: true');
  await stopNetnsDockerd(node);
  log('the swarm manager dockerd stopped');
  await whileDown();
  log('starting the swarm manager dockerd again');
  await startNetnsDockerd(node, log);
  await until(
    'the manager to be active again',
    () => {
      const [nodeState, manager] = swarmState(node.sock);
      return nodeState === 'active' && manager === 'true';
    },
    60_000,
  );
}

/**
 * Brings the swarm up. Options: `nodes` (1 or 2), `forward` (host loopback ports the second node must
 * reach at its own loopback, e.g. the NATS port), `log`. Resolves with the state down() needs and
 * `registry` (host:port, push images there for the second node).
 */
async function up({ nodes = 1, own = false, forward = [], log = () => undefined } = {}) {
  const run = Math.random().toString(16).slice(2, 8);
  const subnet = `10.231.${1 + Math.floor(Math.random() * 250)}`;
  const state = { run, nodes, own, children: [], madeSwarm: false, dir: mkdtempSync(join(tmpdir(), 'skiff-swarm-')) };
  try {
    if (own) {
      if (nodes !== 1) throw new Error('own: true makes a one-node swarm');
      return await upOwn(state, subnet, forward, log);
    }
    state.dockerd = await ensureDockerd(log);
    if (nodes === 2) state.node2 = await startNetnsNode(run, state.dir, subnet, log);
    let [nodeState, manager, addr] = swarmState();
    if (nodeState !== 'active') {
      // Docker makes docker_gwbridge at swarm init (and keeps it after leaving): removed by down() if new.
      state.madeGwbridge = !docker(['network', 'inspect', 'docker_gwbridge'], { allowFail: true }).ok;
      // The manager must advertise an address the second node can reach: the host end of the veth.
      docker(['swarm', 'init', '--advertise-addr', nodes === 2 ? `${subnet}.1` : '127.0.0.1']);
      state.madeSwarm = true;
      [nodeState, manager, addr] = swarmState();
      log(`swarm initialised (manager ${addr})`);
    } else if (manager !== 'true') throw new Error('this dockerd is a swarm worker: the tests need a manager');
    state.manager = addr;
    state.registryInfo = await startRegistry(state.dir, log);
    state.children.push(state.registryInfo.child);
    state.registry = state.registryInfo.address;
    if (state.node2) {
      const ports = [Number(state.registry.split(':')[1]), ...forward];
      if (addr.startsWith('127.'))
        throw new Error(`the existing swarm advertises ${addr}: a second node cannot join it (docker swarm leave --force first)`);
      state.children.push(await forwarder(addr, '127.0.0.1', ports));
      state.children.push(await forwarder('127.0.0.1', addr, ports, state.node2.ns));
      const token = docker(['swarm', 'join-token', '-q', 'worker']).out;
      docker(['-H', state.node2.sock, 'swarm', 'join', '--token', token, '--advertise-addr', `${subnet}.2`, `${addr}:2377`]);
      state.node2.id = docker(['-H', state.node2.sock, 'info', '--format', '{{.Swarm.NodeID}}']).out;
      await until('two Ready nodes', () => docker(['node', 'inspect', state.node2.id, '--format', '{{.Status.State}}']).out === 'ready');
      log(`node ${state.node2.id} joined the swarm`);
    }
    return state;
  } catch (err) {
    await down(state, log);
    throw err;
  }
}

/**
 * A one-node swarm whose manager is a dockerd of its own in a network namespace (tests that restart
 * dockerd must not touch the one on /var/run/docker.sock, which other tests may use meanwhile). The
 * host's dockerd still builds and pushes images (to the local registry, which the node pulls from at
 * 127.0.0.1 through a forwarder, as the NATS port). `host` is the manager's socket.
 */
async function upOwn(state, subnet, forward, log) {
  if (!docker(['info'], { allowFail: true }).ok) state.dockerd = await ensureDockerd(log);
  state.node2 = await startNetnsNode(state.run, state.dir, subnet, log);
  const sock = state.node2.sock;
  docker(['-H', sock, 'swarm', 'init', '--advertise-addr', state.node2.address]);
  state.node2.id = docker(['-H', sock, 'info', '--format', '{{.Swarm.NodeID}}']).out;
  state.host = sock;
  state.manager = state.node2.address;
  state.registryInfo = await startRegistry(state.dir, log);
  state.children.push(state.registryInfo.child);
  state.registry = state.registryInfo.address;
  const ports = [Number(state.registry.split(':')[1]), ...forward];
  state.children.push(await forwarder(`${subnet}.1`, '127.0.0.1', ports));
  state.children.push(await forwarder('127.0.0.1', `${subnet}.1`, ports, state.node2.ns));
  log(`own one-node swarm: manager ${state.node2.id} at ${sock}`);
  return state;
}

/** Undoes up(): the second node (left, removed, daemon stopped, netns deleted), registry, forwarders, the swarm if up() made it. */
async function down(state, log = () => undefined) {
  if (!state) return;
  const n2 = state.node2;
  if (n2) {
    docker(['-H', n2.sock, 'swarm', 'leave', '--force'], { allowFail: true });
    if (n2.id && !state.own) docker(['node', 'rm', '--force', n2.id], { allowFail: true });
    await stopNetnsDockerd(n2).catch(() => undefined);
    sh('ip', ['netns', 'del', n2.ns], { allowFail: true });
    sh('ip', ['link', 'del', n2.hostIf], { allowFail: true });
    // Mounts the daemon may leave behind (its netns handle under the exec-root, overlays under the data-root).
    for (const dir of [`/run/skiff-${state.run}`, n2.root])
      sh('sh', ['-c', `grep -o " ${dir}[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l`], { allowFail: true });
    rmQuietly(`/run/skiff-${state.run}`, log);
    // The (now empty) cgroup its containers ran under.
    sh('sh', ['-c', `find /sys/fs/cgroup -maxdepth 3 -depth -type d -name 'skiff-${state.run}*' -exec rmdir {} + 2>/dev/null`], {
      allowFail: true,
    });
  }
  for (const child of state.children.splice(0)) child.kill('SIGTERM');
  if (state.madeSwarm) docker(['swarm', 'leave', '--force'], { allowFail: true });
  // The swarm's ingress sandbox leaves it a moment after `swarm leave`: retried for a while.
  if (state.madeGwbridge)
    await until('docker_gwbridge removed', () => docker(['network', 'rm', 'docker_gwbridge'], { allowFail: true }).ok, 15_000).catch(() =>
      log('could not remove docker_gwbridge'),
    );
  rmQuietly(state.dir, log);
  log('swarm test environment removed');
}

function rmQuietly(dir, log) {
  try {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  } catch (err) {
    log(`could not remove ${dir}: ${err.message}`);
  }
}

module.exports = { up, down, ensureDockerd, restartOwnManager };

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args[0] !== 'up') {
    process.stderr.write('usage: swarm-nodes.js up [--nodes 1|2] [--forward <port>...]\n');
    process.exit(2);
  }
  const nodes = args.includes('--nodes') ? Number(args[args.indexOf('--nodes') + 1]) : 1;
  const forward = args.includes('--forward')
    ? args
        .slice(args.indexOf('--forward') + 1)
        .map(Number)
        .filter(Boolean)
    : [];
  const log = (t) => process.stderr.write(`[swarm] ${t}\n`);
  up({ nodes, forward, log }).then(
    (state) => {
      process.stdout.write(JSON.stringify({ manager: state.manager, registry: state.registry, node2: state.node2?.id }) + '\n');
      const stop = () => down(state, log).then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (err) => {
      process.stderr.write(`${err.stack}\n`);
      process.exit(1);
    },
  );
}
