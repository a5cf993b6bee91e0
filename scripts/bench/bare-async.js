'use strict';
// Async baseline of the benchmark: the least an async invoker must do, in one plain Node process.
// HTTP: each POST body is published to JetStream ($SUBJECT, a plain file stream) with the call id as its
// de-duplication id, and answered 202 with X-Call-Id once the publish is acked.
// With CONSUME=1 it also runs the calls: a pull consumer ($DURABLE, explicit acks, $MAX_INFLIGHT
// unacknowledged) requests $INVOKE_SUBJECT with the body, POSTs the reply to the call's
// X-Callback-Url with X-Call-Id and X-Function-Status, then acks. No call state, retries, dead
// letters, per-function consumers, auth or framework.
const http = require('node:http');
const { randomUUID } = require('node:crypto');
const { connect, headers: natsHeaders } = require('nats');
const { Agent, request } = require('undici');

async function main() {
  const env = process.env;
  const nc = await connect(require('../lib/bench-platform').helperConnectOptions(env, 'bench-bare-async'));
  const js = nc.jetstream();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const id = req.headers['x-call-id'] || randomUUID();
      const h = natsHeaders();
      h.set('X-Call-Id', id);
      if (req.headers['x-callback-url']) h.set('X-Callback-Url', req.headers['x-callback-url']);
      js.publish(env.SUBJECT, Buffer.concat(chunks), { msgID: id, headers: h }).then(
        () => {
          res.writeHead(202, { 'x-call-id': id, 'content-length': 0 });
          res.end();
        },
        (err) => {
          res.writeHead(503);
          res.end(err.message);
        },
      );
    });
  });
  server.keepAliveTimeout = 30_000;

  let consuming;
  if (env.CONSUME === '1') {
    const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
    const consumer = await js.consumers.get(env.STREAM, env.DURABLE);
    const messages = await consumer.consume({ max_messages: Number(env.MAX_INFLIGHT || 256) });
    const run = async (msg) => {
      try {
        const reply = await nc.request(env.INVOKE_SUBJECT, msg.data, { timeout: 10_000 });
        const url = msg.headers?.get('X-Callback-Url');
        if (url) {
          const res = await request(url, {
            method: 'POST',
            body: Buffer.from(reply.data),
            headers: { 'x-call-id': msg.headers.get('X-Call-Id'), 'x-function-status': '200' },
            dispatcher: agent,
          });
          await res.body.dump();
        }
        msg.ack();
      } catch {
        msg.nak(200);
      }
    };
    consuming = (async () => {
      for await (const msg of messages) void run(msg);
    })();
  }

  server.listen(Number(env.PORT || 0), '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
  const stop = () => {
    setTimeout(() => process.exit(0), 3000).unref();
    server.close(() =>
      nc
        .drain()
        .then(() => consuming)
        .then(() => process.exit(0)),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`bare-async: ${err.message}\n`);
  process.exit(1);
});
