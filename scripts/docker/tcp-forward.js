#!/usr/bin/env node
'use strict';
// `tcp-forward.js <listen-host> <target-host> <port>...`: listens on <listen-host>:<port> for each port
// and pipes every connection to <target-host>:<port>. The two-node test swarm runs one on the host
// (veth address → loopback) and one inside the second node's network namespace (its loopback → the
// veth address), so both nodes reach the host's loopback NATS and registry at the same 127.0.0.1 URL.
const net = require('node:net');

const [listenHost, targetHost, ...ports] = process.argv.slice(2);
if (!listenHost || !targetHost || !ports.length) {
  process.stderr.write('usage: tcp-forward.js <listen-host> <target-host> <port>...\n');
  process.exit(2);
}
let listening = 0;
for (const port of ports.map(Number)) {
  const server = net.createServer((inbound) => {
    const outbound = net.connect(port, targetHost);
    inbound.pipe(outbound).pipe(inbound);
    const close = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', close);
    outbound.on('error', close);
  });
  server.on('error', (err) => {
    process.stderr.write(`tcp-forward: ${listenHost}:${port}: ${err.message}\n`);
    process.exit(1);
  });
  server.listen(port, listenHost, () => {
    if (++listening === ports.length) process.stdout.write('ready\n');
  });
}
process.on('SIGTERM', () => process.exit(0));
