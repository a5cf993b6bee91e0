import { request as httpRequest } from 'node:http';
import { Socket, connect } from 'node:net';

/** One HTTP answer to a hand-made request. */
export interface RawHttpReply {
  /** Status code. */
  status: number;
  /** Response headers (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** Body as text. */
  text: string;
}

/** A request whose target is sent exactly as given (absolute-form, `//`, `%2f`, `..`, backslashes…). */
export interface RawHttpRequest {
  /** Method, default GET. */
  method?: string;
  /** Request target as it goes on the request line. */
  target: string;
  /** Headers (no Host unless given: then `127.0.0.1:<port>`). */
  headers?: Record<string, string>;
  /** Body. */
  body?: string | Buffer;
  /** Local address to send from (any 127/8 address reaches loopback on Linux). */
  localAddress?: string;
  /** Give up after this many ms (default 30 s). */
  timeoutMs?: number;
}

/**
 * Sends one request with a hand-made request target (node:http passes the path through as is, so
 * `http://x/system/functions` goes out in absolute-form) on its own connection, and reads the answer.
 */
export function rawHttp(port: number, req: RawHttpRequest): Promise<RawHttpReply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: `127.0.0.1:${port}`, connection: 'close', ...(req.headers ?? {}) };
    const body = req.body === undefined ? undefined : Buffer.from(req.body);
    if (body && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['content-length'] = String(body.length);
    const r = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: req.method ?? 'GET',
        path: req.target,
        headers,
        agent: false,
        localAddress: req.localAddress,
        timeout: req.timeoutMs ?? 30_000,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString('utf8') }));
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`no answer to ${req.method ?? 'GET'} ${req.target} within ${req.timeoutMs ?? 30_000} ms`)));
    r.on('error', reject);
    r.end(body);
  });
}

/** A raw TCP connection to a port, for clients that misbehave on purpose (slow headers, slow bodies). */
export function openSocket(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when the socket is closed (by either side), with what the server sent before. */
export function socketClosed(socket: Socket): Promise<string> {
  const parts: Buffer[] = [];
  socket.on('data', (c: Buffer) => parts.push(c));
  socket.on('error', () => undefined);
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve('');
    socket.once('close', () => resolve(Buffer.concat(parts).toString('latin1')));
  });
}
