'use strict';
// Webhook baseline of the trigger benchmark: the least a webhook receiver must do. A plain Node HTTP
// server that publishes each POST body to JetStream ($SUBJECT, a plain stream) and answers 202 once the
// publish is acked. No signature check, no header selection, no framework.
const http = require('node:http');
const { randomUUID } = require('node:crypto');
const { connect } = require('nats');

async function main() {
  const nc = await connect(require('../lib/bench-platform').helperConnectOptions(process.env, 'bench-publish-server'));
  const js = nc.jetstream();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      js.publish(process.env.SUBJECT, Buffer.concat(chunks), { msgID: randomUUID() }).then(
        (ack) => {
          const body = JSON.stringify({ seq: ack.seq });
          res.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        },
        (err) => {
          res.writeHead(503);
          res.end(err.message);
        },
      );
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
  const stop = () => server.close(() => nc.close().then(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`publish-server: ${err.message}\n`);
  process.exit(1);
});
