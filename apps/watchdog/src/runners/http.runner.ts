import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { Pool } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import { HOP_BY_HOP_HEADERS } from '@skiff/contracts/invoke-protocol';
import type { HeaderMap, InvokeRequest, InvokeResponse } from '@skiff/invoke/invoke.types';
import { WatchdogConfig } from '../config';
import { FunctionLogSink, lineSplitter } from '../sinks/function-log.sink';
import { Logger } from '../logger';
import { FunctionRunner, RunnerResponse, textResponse } from './runner.types';
import { ofWatchdogForking, ofWatchdogRequest } from '../sinks/watchdog-log-lines';

/** How long the upstream may take to accept TCP connections after it was started. */
export const UPSTREAM_START_TIMEOUT_MS = 30_000;
/** Pause between attempts to connect to a starting upstream: a refused loopback connect costs microseconds, and every ms of it is cold-start time. */
const PORT_POLL_MS = 5;
/** How long a stopped upstream gets between SIGTERM and SIGKILL. */
const UPSTREAM_STOP_GRACE_MS = 5_000;
/** Request headers undici refuses or that describe this hop only. */
const NOT_FORWARDED = new Set([...HOP_BY_HOP_HEADERS, 'expect']);

/**
 * of-watchdog http mode: starts `fprocess` once as an HTTP server on a port the
 * watchdog picked (or the pinned `upstream_url`) and forwards every call to it over keep-alive.
 */
export class HttpRunner implements FunctionRunner {
  private child?: ChildProcess;
  private pool?: Pool;
  private stopping = false;

  constructor(
    private readonly config: WatchdogConfig,
    private readonly log: Logger,
    private readonly sink: FunctionLogSink,
    /** Called when the upstream process exits on its own: the replica is dead. */
    private readonly onFatal: (reason: string) => void,
  ) {}

  async start(): Promise<void> {
    let origin = this.config.upstreamUrl;
    let env: NodeJS.ProcessEnv = process.env;
    if (!origin) {
      const port = await freePort();
      origin = `http://127.0.0.1:${port}`;
      env = { ...process.env, PORT: String(port), http_port: String(port) };
    }
    let exited: string | undefined;
    if (this.config.fprocess) {
      this.child = this.spawnUpstream(env, (reason) => (exited = reason));
    }
    // undici takes ~150 ms to load: load it while the upstream boots.
    const { Pool } = await import('undici');
    const { hostname, port } = new URL(origin);
    await waitForPort(hostname, Number(port) || 80, UPSTREAM_START_TIMEOUT_MS, () => exited);
    this.pool = new Pool(origin, {
      connections: this.config.maxInflight || 128,
      keepAliveTimeout: 30_000,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    this.log.info('Upstream accepting connections', { upstream: origin });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    // The watchdog already waited for in-flight calls (up to write_timeout): cut whatever is left.
    await this.pool?.destroy().catch(() => undefined);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), UPSTREAM_STOP_GRACE_MS);
    await once(child, 'exit');
    clearTimeout(timer);
  }

  async invoke(req: InvokeRequest, timeoutMs: number, cancel?: AbortSignal): Promise<RunnerResponse | InvokeResponse> {
    const deadline = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
    // The caller going away aborts the upstream request as the deadline does.
    const signal = deadline && cancel ? AbortSignal.any([deadline, cancel]) : (deadline ?? cancel);
    const started = performance.now();
    const uri = req.query ? `${req.path}?${req.query}` : req.path;
    try {
      const res = await this.pool!.request({
        method: req.method as 'GET',
        path: uri,
        headers: forwardHeaders(req.headers),
        body: req.body.length ? req.body : undefined,
        signal,
      });
      const requestLine = (bytes: number) =>
        this.sink.line('stderr', ofWatchdogRequest(req.method, uri, res.statusCode, bytes, (performance.now() - started) / 1000, true));
      if (streamsBody(res.headers)) {
        const length = Number(res.headers['content-length'] ?? -1);
        res.body.once('end', () => requestLine(Number.isFinite(length) ? length : -1));
        return { status: res.statusCode, headers: responseHeaders(res.headers), body: EMPTY, stream: res.body };
      }
      const body = Buffer.from(await res.body.arrayBuffer());
      requestLine(body.length);
      return { status: res.statusCode, headers: responseHeaders(res.headers), body };
    } catch (err) {
      if (cancel?.aborted) return textResponse(499, 'The caller went away\n', 'of-watchdog');
      if (signal?.aborted) {
        this.log.warn(`Upstream did not answer within ${timeoutMs} ms`, { path: req.path });
        return textResponse(504, `Function timed out after ${timeoutMs} ms\n`, 'of-watchdog');
      }
      this.log.warn('Upstream error', { path: req.path, err: (err as Error).message });
      return textResponse(500, `Can't reach the function's HTTP server: ${(err as Error).message}\n`, 'of-watchdog');
    }
  }

  private spawnUpstream(env: NodeJS.ProcessEnv, onExit: (reason: string) => void): ChildProcess {
    const [command, ...args] = this.config.fprocess.split(' ').filter(Boolean);
    this.sink.line('stderr', ofWatchdogForking(command, args));
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = lineSplitter(this.sink, 'stdout');
    const err = lineSplitter(this.sink, 'stderr');
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const died = (reason: string) => {
      out.end();
      err.end();
      onExit(reason);
      if (!this.stopping) this.onFatal(reason);
    };
    child.on('error', (e) => died(`could not start fprocess "${this.config.fprocess}": ${e.message}`));
    child.on('exit', (code, sig) => died(`fprocess "${this.config.fprocess}" exited (${sig ? `signal ${sig}` : `code ${code}`})`));
    this.log.info('Started upstream', { fprocess: this.config.fprocess, pid: child.pid, port: env.PORT });
    return child;
  }
}

const EMPTY = new Uint8Array(0);
/** Upstream answers at least this large are streamed rather than read whole first. */
const STREAM_ABOVE_BYTES = 256 * 1024;

/** SSE, NDJSON, chunked output without a length, or a large body: relay it as it comes. */
function streamsBody(headers: IncomingHttpHeaders): boolean {
  const type = String(headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('text/event-stream') || type.startsWith('application/x-ndjson')) return true;
  const length = headers['content-length'];
  return length === undefined || Number(length) > STREAM_ABOVE_BYTES;
}

function forwardHeaders(headers: HeaderMap): HeaderMap {
  const out: HeaderMap = {};
  for (const name in headers) if (!NOT_FORWARDED.has(name.toLowerCase())) out[name] = headers[name];
  return out;
}

function responseHeaders(headers: IncomingHttpHeaders): HeaderMap {
  const out: HeaderMap = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !HOP_BY_HOP_HEADERS.has(name)) out[name] = value;
  }
  return out;
}

/** A TCP port nobody listens on right now, so several replicas on one host never clash. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Resolves once `host:port` accepts a TCP connection; rejects after `timeoutMs` or when `failed()` names a reason. */
export async function waitForPort(host: string, port: number, timeoutMs: number, failed: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = failed();
    if (reason) throw new Error(`upstream never accepted connections: ${reason}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, host);
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => (socket.destroy(), resolve(false)));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`upstream ${host}:${port} did not accept connections within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, PORT_POLL_MS));
  }
}
