import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';

/**
 * What a pooled watchdog does while it has no function yet: runs, once, the code paths a new
 * replica's start-up and first call would otherwise load and compile on the cold-start path (the
 * http forwarding only in the http pool's watchdogs: it costs about 25 MB). It
 * talks only to a throwaway loopback server and a `cat` of its own, never to the bus, and knows
 * nothing of any function; a failure only means a colder start.
 */
export async function warmUpPooledWatchdog(http: boolean): Promise<void> {
  await Promise.all([warmForking(), http ? warmHttpForwarding() : undefined]);
}

/** classic/streaming mode fork per call: one spawn with piped stdio (not forkFunction: it caches the environment). */
async function warmForking(): Promise<void> {
  try {
    const child = spawn('cat', [], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['pipe', 'pipe', 'pipe'] });
    child.on('error', () => undefined);
    child.stdin.on('error', () => undefined);
    child.stdout.resume();
    child.stderr.resume();
    child.stdin.end('warm');
    await once(child, 'close');
  } catch {
    // Only a warm-up.
  }
}

/** http mode: loads undici (~150 ms) and forwards one keep-alive POST through an undici Pool. */
async function warmHttpForwarding(): Promise<void> {
  const { Pool } = await import('undici');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
  });
  try {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 1 });
    try {
      const res = await pool.request({
        method: 'POST',
        path: '/?warm=1',
        headers: { 'content-type': 'text/plain', 'x-warm': '1' },
        body: Buffer.from('warm'),
        signal: AbortSignal.timeout(5_000),
      });
      await res.body.arrayBuffer();
    } finally {
      await pool.destroy().catch(() => undefined);
    }
  } catch {
    // Only a warm-up.
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
