'use strict';
// Baseline "forker": the least a fork-per-call watchdog can cost in Node. A bare http server that
// spawns `cat` for each request, pipes the body in and the output back. Prints "listening <port>".
const http = require('node:http');
const { spawn } = require('node:child_process');

const server = http.createServer((req, res) => {
  const child = spawn('cat', [], { stdio: ['pipe', 'pipe', 'ignore'] });
  const parts = [];
  child.stdout.on('data', (c) => parts.push(c));
  child.on('close', (code) => {
    const body = Buffer.concat(parts);
    res.writeHead(code === 0 ? 200 : 500, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
  req.pipe(child.stdin);
});
server.keepAliveTimeout = 30_000;
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
