// Issue 3 (OpenFaaS API parity): big and streamed bodies, cancellation and timeouts, through the
// gateway's HTTP API with the built provider, gateway and watchdogs as real processes. (Logs:
// parity-logs.e2e.ts.)
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { HttpClient, Platform, hostProcesses, processAlive } from '@skiff/testing';
import {
  BodyReader,
  FIVE_MIB,
  FORK_WORKER,
  MAX_BODY,
  NODE,
  Parity,
  STREAM_SERVER,
  eventuallyOn,
  startParity,
  stopParity,
} from './parity-harness';

jest.setTimeout(240_000);

const FUNCTIONS = [
  { service: 'cat', image: 'any', envProcess: 'cat' },
  { service: 'streamer', image: 'any', envProcess: `${NODE} ${STREAM_SERVER}`, envVars: { mode: 'http' } },
  {
    service: 'events',
    image: 'any',
    envProcess: `${NODE} ${FORK_WORKER} events`,
    envVars: { mode: 'streaming', content_type: 'text/plain' },
  },
  { service: 'hang', image: 'any', envProcess: `${NODE} ${FORK_WORKER} hang`, envVars: { exec_timeout: '60s' } },
  // One timeout for every hop, from the annotation; the watchdog's own exec_timeout is longer.
  {
    service: 'deadline',
    image: 'any',
    envProcess: `${NODE} ${FORK_WORKER} hang`,
    envVars: { exec_timeout: '60s' },
    annotations: { 'com.skiff.timeout': '3s' },
  },
];

describe('parity: big and streamed bodies, cancellation, timeouts', () => {
  let parity: Parity | undefined;
  let platform: Platform;
  let gw: HttpClient;
  let dir: string;

  beforeAll(async () => {
    // (events waits for its gate file: give it one that exists)
    parity = await startParity(FUNCTIONS, { cat: '', streamer: '/echo', events: `?gate=${encodeURIComponent(FORK_WORKER)}` }, [
      'hang',
      'deadline',
    ]);
    ({ platform, gw, dir } = parity);
  });

  afterAll(() => stopParity(parity, ['cat', 'streamer', 'events', 'hang', 'deadline']));

  const eventually = <T>(what: string, probe: () => T | Promise<T>, timeoutMs?: number) => eventuallyOn(platform, what, probe, timeoutMs);

  describe('big bodies', () => {
    const payload = randomBytes(FIVE_MIB);

    it.each([
      ['a classic `cat` function', '/function/cat'],
      ['an http-mode function', '/function/streamer/echo'],
    ])('echoes a 5 MiB upload intact through %s', async (_what, path) => {
      const res = await fetch(`${gw.baseUrl}${path}`, {
        method: 'POST',
        body: payload,
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(res.status).toBe(200);
      const back = Buffer.from(await res.arrayBuffer());
      expect(back.length).toBe(payload.length);
      expect(back.equals(payload)).toBe(true);
    });

    it('answers 413 above SKIFF_MAX_BODY_BYTES', async () => {
      // The gateway answers as soon as it sees Content-Length, before the upload ends: read the
      // status with a plain client that does not give up when the rest of its upload is refused.
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          `${gw.baseUrl}/function/cat`,
          { method: 'POST', headers: { 'content-length': String(MAX_BODY + 1) } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
            req.destroy();
          },
        );
        req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
        // Announce the size and send the first MiB only: the gateway decides on Content-Length.
        req.write(randomBytes(1024 * 1024));
      });
      expect(status).toBe(413);
    });
  });

  describe('streamed responses', () => {
    it('relays SSE events one by one: the first arrives before the function writes the second', async () => {
      const gate = join(dir, 'sse-gate');
      const res = await fetch(`${gw.baseUrl}/function/streamer/sse?gate=${encodeURIComponent(gate)}`, {
        headers: { accept: 'text/event-stream' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const body = new BodyReader(res);
      await body.until(/data: one\n\n/);
      // The function is blocked until the gate exists: "two" cannot have been written yet.
      expect(body.text).not.toMatch(/two/);
      writeFileSync(gate, 'go');
      expect(await body.rest()).toBe('data: one\n\ndata: two\n\n');
    });

    it('streams a streaming-mode fork’s stdout as it is produced', async () => {
      const gate = join(dir, 'events-gate');
      const res = await fetch(`${gw.baseUrl}/function/events?gate=${encodeURIComponent(gate)}`, { method: 'POST' });
      expect(res.status).toBe(200);
      const body = new BodyReader(res);
      await body.until(/event one\n/);
      expect(body.text).not.toMatch(/two/);
      writeFileSync(gate, 'go');
      expect(await body.rest()).toBe('event one\nevent two\n');
    });
  });

  describe('cancellation and timeouts', () => {
    /**
     * Host pids of the fork-worker processes serving the call that was given `pidFile` (the pid the
     * fork writes is its pid inside the replica's own pid namespace).
     */
    const forksOf = (pidFile: string) =>
      hostProcesses(
        (p) => p.cmdline.includes(FORK_WORKER) && p.env.some((e) => e.startsWith('Http_Query=') && e.includes(encodeURIComponent(pidFile))),
      );

    it('kills a classic fork when the client disconnects', async () => {
      const pidFile = join(dir, 'hang-classic.pid');
      const abort = new AbortController();
      const call = fetch(`${gw.baseUrl}/function/hang?pid=${encodeURIComponent(pidFile)}`, { method: 'POST', signal: abort.signal }).catch(
        (err: Error) => err,
      );
      await eventually('the fork to start', () => existsSync(pidFile));
      const forks = forksOf(pidFile);
      expect(forks).toHaveLength(1);
      expect(processAlive(forks[0])).toBe(true);
      abort.abort();
      await call;
      await eventually('the fork to be killed', () => (processAlive(forks[0]) ? undefined : true));
    });

    it('aborts the upstream request of an http-mode function when the client disconnects', async () => {
      const marker = join(dir, 'hang-http');
      const abort = new AbortController();
      const call = fetch(`${gw.baseUrl}/function/streamer/hang?pid=${encodeURIComponent(marker)}`, { signal: abort.signal }).catch(
        (err: Error) => err,
      );
      await eventually('the upstream to get the request', () => (existsSync(marker) ? true : undefined));
      expect(existsSync(`${marker}.aborted`)).toBe(false);
      abort.abort();
      await call;
      await eventually('the upstream request to be aborted', () => (existsSync(`${marker}.aborted`) ? true : undefined));
    });

    it('answers 504 at the function timeout and the replica kills the work', async () => {
      const pidFile = join(dir, 'deadline.pid');
      const reply = await gw.post(`/function/deadline?pid=${encodeURIComponent(pidFile)}`, 'x', { timeoutMs: 60_000 });
      expect(reply.status).toBe(504);
      expect(Number(readFileSync(pidFile, 'utf8'))).toBeGreaterThan(0);
      await eventually('the fork to be killed at the deadline', () => forksOf(pidFile).length === 0, 30_000);
    });
  });
});
