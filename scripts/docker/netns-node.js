'use strict';
// A dockerd in a network namespace of its own, for the swarm tests' second (or own) node.
const { spawn } = require('node:child_process');
const { closeSync, mkdirSync, openSync } = require('node:fs');
const { join } = require('node:path');
const { sh, docker, until } = require('./shell');

/**
 * A dockerd of the tests' own in a network namespace (veth to the host, its own data-root, exec-root,
 * pidfile and socket): the second node, or (`own`) the only node of a swarm no other test uses.
 */
async function startNetnsNode(run, dir, subnet, log) {
  const ns = `skiff-${run}`;
  const [hostIf, nsIf] = [`sk${run}a`, `sk${run}b`];
  sh('ip', ['netns', 'add', ns]);
  sh('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
  sh('ip', ['link', 'set', nsIf, 'netns', ns]);
  sh('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', hostIf]);
  sh('ip', ['link', 'set', hostIf, 'up']);
  for (const args of [
    ['addr', 'add', `${subnet}.2/24`, 'dev', nsIf],
    ['link', 'set', nsIf, 'up'],
    ['link', 'set', 'lo', 'up'],
  ])
    sh('ip', ['-n', ns, ...args]);
  sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', `${subnet}.1`]);
  const root = join(dir, 'node2');
  mkdirSync(root, { recursive: true });
  const node = { ns, hostIf, sock: `unix://${join(root, 'docker.sock')}`, root, run, dir, address: `${subnet}.2` };
  await startNetnsDockerd(node, log);
  return node;
}

/** (Re)starts the dockerd of a netns node, and waits for it to answer. */
async function startNetnsDockerd(node, log) {
  const logFile = openSync(join(node.dir, 'dockerd-node2.log'), 'a');
  node.child = spawn(
    'nsenter',
    [
      `--net=/var/run/netns/${node.ns}`,
      'dockerd',
      `--data-root=${join(node.root, 'data')}`,
      `--exec-root=/run/skiff-${node.run}`,
      `--pidfile=${join(node.root, 'dockerd.pid')}`,
      `--host=${node.sock}`,
      `--cgroup-parent=skiff-${node.run}`,
      '--bridge=none',
      // Its own iptables (the namespace's, not the host's): an overlay network's containers reach the
      // host through docker_gwbridge, which needs NAT on this node.
      '--iptables=true',
    ],
    { stdio: ['ignore', logFile, logFile] },
  );
  closeSync(logFile);
  await until('the netns dockerd', () => docker(['-H', node.sock, 'info'], { allowFail: true }).ok, 60_000);
  log(`dockerd (pid ${node.child.pid}) in netns ${node.ns} at ${node.address}`);
}

/** Stops the dockerd of a netns node (SIGTERM: it stops its containers first), SIGKILL after 60 s. */
async function stopNetnsDockerd(node) {
  const child = node.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await until('the netns dockerd to exit', () => child.exitCode !== null || child.signalCode !== null, 60_000).catch(async () => {
    child.kill('SIGKILL');
    await until('the netns dockerd to die', () => child.exitCode !== null || child.signalCode !== null, 10_000);
  });
}

module.exports = { startNetnsNode, startNetnsDockerd, stopNetnsDockerd };
