'use strict';
// Baseline "relay": the least any HTTP → NATS → handler design can cost here. A bare Node http server
// that forwards each request body as one nats.js request (argv: url subject; NATS_CREDS) to the bare
// responder (nats-responder.js) and relays its answer. Prints "listening <port>".
const http = require('node:http');
const { connect } = require('nats');

async function main() {
  const [url, subject] = process.argv.slice(2);
  const nc = await connect(require('../lib/bench-platform').helperConnectOptions({ ...process.env, NATS_URL: url }, 'bench-relay'));
  const server = http.createServer((req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      nc.request(subject, Buffer.concat(parts), { timeout: 5000 }).then(
        (msg) => {
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': msg.data.length });
          res.end(msg.data);
        },
        (err) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(err.message);
        },
      );
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
  const stop = () => server.close(() => nc.drain().then(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
