'use strict';
// Second baseline: a bare NATS responder answering "Hello, World!" on one subject (argv: url subject; NATS_CREDS).
const { connect } = require('nats');

async function main() {
  const [url, subject] = process.argv.slice(2);
  const nc = await connect(require('../lib/bench-platform').helperConnectOptions({ ...process.env, NATS_URL: url }, 'bench-responder'));
  const body = new TextEncoder().encode('Hello, World!');
  nc.subscribe(subject, { callback: (_err, msg) => msg.respond(body) });
  await nc.flush();
  process.stdout.write('ready\n');
  const stop = () => nc.drain().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
