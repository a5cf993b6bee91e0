'use strict';
// The benchmark's baseline: the most trivial Node HTTP server, answering "Hello, World!" on $PORT.
// Also the process of the http-mode function (the watchdog sets PORT), so both cases run the same code.
const http = require('node:http');

const port = Number(process.env.PORT || process.env.http_port || 0);
const body = Buffer.from('Hello, World!');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 30_000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
