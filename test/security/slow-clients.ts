// The cheap ways an attacker holds a server's connections and memory: dripping a request, stalling
// an upload (used by gateway-limits.e2e.ts).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { request as httpRequest } from 'node:http';
import { socketClosed } from '@skiff/testing';

/** Generous: the server checks its timers every few hundred ms; a busy CI machine is slow. */
export const CUT_WITHIN_MS = 45_000;

/** `promise`'s value, or undefined when it takes longer than `ms` (the timer does not outlive the race). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Writes `chunks` one at a time every `everyMs` until the socket closes; resolves how long it stayed open. */
export async function drip(socket: Socket, first: string, next: () => string, everyMs: number): Promise<{ ms: number; answer: string }> {
  const started = Date.now();
  const closed = socketClosed(socket);
  socket.write(first);
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(next());
  }, everyMs);
  const outcome = await within(closed, CUT_WITHIN_MS);
  clearInterval(timer);
  socket.destroy();
  if (outcome === undefined) throw new Error(`the server kept a dripping connection open for ${CUT_WITHIN_MS} ms`);
  return { ms: Date.now() - started, answer: outcome };
}

export const MiB = 1024 * 1024;

/** Resident memory of a process, in bytes. */
export function rss(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/**
 * Starts an upload announcing `declared` bytes and sends up to `send` bytes as fast as the server
 * takes them (waiting for 'drain', so nothing piles up in this process); resolves once it has sent
 * them all, or once the server stopped taking more for `stallMs`. The socket stays open.
 */
export async function uploadUntilStalled(socket: Socket, target: string, declared: number, send: number, stallMs: number): Promise<number> {
  socket.write(
    `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: ${declared}\r\n\r\n`,
  );
  const piece = randomBytes(64 * 1024);
  let sent = 0;
  while (sent < send && !socket.destroyed) {
    sent += piece.length;
    if (socket.write(piece)) continue;
    const drained = await within(new Promise<boolean>((r) => socket.once('drain', () => r(true))), stallMs);
    if (!drained) break;
  }
  return sent;
}

/**
 * POSTs `bytes` of chunked body a MiB at a time, as fast as the server reads them (stopping when it
 * answers or closes first), and resolves the answer.
 */
export function postGrowingBody(port: number, path: string, bytes: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
    const piece = randomBytes(MiB);
    let sent = 0;
    const pump = () => {
      while (sent < bytes && !req.destroyed) {
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}
