import { once } from 'node:events';
import { Server, createServer } from 'node:http';

/** What the probes report. */
export interface ReplicaState {
  /** Subscribed and taking calls. */
  accepting: boolean;
  /** Shutting down: no new calls. */
  draining: boolean;
  /** At the max_inflight limit right now. */
  atLimit: boolean;
}

/**
 * `/_/health` (200 `OK` while accepting, else 503) and `/_/ready` (503 not accepting or draining,
 * 429 at the max_inflight limit, else 200) for container probes.
 */
export async function startHealthServer(port: number, readTimeoutMs: number, state: () => ReplicaState): Promise<Server> {
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path !== '/_/health' && path !== '/_/ready') return send(404, 'Not Found');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'Method Not Allowed');
    const s = state();
    if (!s.accepting || s.draining) return send(503, 'Service Unavailable');
    if (path === '/_/ready' && s.atLimit) return send(429, 'Too Many Requests');
    return send(200, path === '/_/health' ? 'OK' : '');

    function send(status: number, text: string) {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    }
  });
  server.requestTimeout = readTimeoutMs;
  server.headersTimeout = Math.min(readTimeoutMs, 60_000);
  server.listen(port);
  await once(server, 'listening');
  return server;
}
