'use strict';
// HTTP server for the node20-http template: the watchdog starts it once (mode http) on $PORT
// and forwards each call. Standard library only, so bundles build offline. The node20 template's
// Docker image runs this same file as docker-server.js (template.yml shared_files).
const http = require('node:http');
const { hostname } = require('node:os');
const handler = require('./function/handler');

const port = Number(process.env.PORT || process.env.http_port || 3000);
const rawBody = /^(true|1)$/i.test(process.env.RAW_BODY || '');

function parseBody(buffer, contentType) {
  const type = String(contentType || '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  if (rawBody) return buffer;
  if (type === '' || type.startsWith('text/')) return buffer.toString('utf8');
  if (type === 'application/json' || type.endsWith('+json')) return buffer.length ? JSON.parse(buffer.toString('utf8')) : {};
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(buffer.toString('utf8')));
  return buffer;
}

function send(res, status, headers, value) {
  let body = value;
  if (value === undefined || value === null) body = '';
  else if (Buffer.isBuffer(value) || typeof value === 'string') body = value;
  else {
    body = JSON.stringify(value);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  }
  res.writeHead(status, headers);
  res.end(body);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const url = new URL(req.url, 'http://localhost');
    let event;
    try {
      event = {
        body: parseBody(Buffer.concat(chunks), req.headers['content-type']),
        headers: req.headers,
        method: req.method,
        query: Object.fromEntries(url.searchParams),
        path: url.pathname,
      };
    } catch (err) {
      return send(res, 400, { 'Content-Type': 'text/plain' }, `Bad Request: ${err.message}\n`);
    }
    let status = 0;
    let headers = {};
    let done = false;
    const finish = (code, value) => {
      if (done) return;
      done = true;
      send(res, code, headers, value);
    };
    const context = {
      hostname: hostname(),
      status(code) {
        if (code === undefined) return status;
        status = code;
        return context;
      },
      headers(value) {
        if (value === undefined) return headers;
        headers = { ...value };
        return context;
      },
      succeed(value) {
        finish(status || 200, value);
      },
      fail(err) {
        console.error(err);
        finish(status || 500, err instanceof Error ? err.message : String(err));
      },
    };
    try {
      const value = await handler(event, context);
      context.succeed(value);
    } catch (err) {
      context.fail(err);
    }
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
