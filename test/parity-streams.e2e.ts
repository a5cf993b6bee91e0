// Issue 3 (OpenFaaS API parity): function logs, big and streamed bodies, cancellation and timeouts,
// through the gateway's HTTP API with the built provider, gateway and watchdogs as real processes.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, NatsConnection } from 'nats';
import { subjects } from '@skiff/contracts/subjects';
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import {
  HttpClient,
  Platform,
  TEST_SANDBOX_HOST_PATHS,
  basicAuthHeader,
  hostProcesses,
  processAlive,
  testNatsOptions,
  waitFor,
} from '@skiff/testing';

jest.setTimeout(240_000);

const STREAM_SERVER = resolve(__dirname, 'fixtures', 'stream-server.js');
const FORK_WORKER = resolve(__dirname, 'fixtures', 'fork-worker.js');
const NODE = process.execPath;
/** Above the NATS server's 1 MiB max_payload, below the limit configured here. */
const FIVE_MIB = 5 * 1024 * 1024;
const MAX_BODY = 8 * 1024 * 1024;
const SLOW = 90_000;

/** One NDJSON line of /system/logs. */
interface LogLine {
  name: string;
  namespace: string;
  instance: string;
  timestamp: string;
  text: string;
}

/** Reads a streamed HTTP body piece by piece, as the client sees it arrive. */
class BodyReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  text = '';

  constructor(res: Response) {
    this.reader = (res.body as ReadableStream<Uint8Array>).getReader();
  }

  /** Reads until `text` matches; fails when the body ends first. */
  async until(pattern: RegExp): Promise<string> {
    while (!pattern.test(this.text)) {
      const { value, done } = await this.reader.read();
      if (done) throw new Error(`body ended before ${pattern}: ${JSON.stringify(this.text)}`);
      this.text += this.decoder.decode(value, { stream: true });
    }
    return this.text;
  }

  /** Reads to the end. */
  async rest(): Promise<string> {
    for (;;) {
      const { value, done } = await this.reader.read();
      if (done) return this.text;
      this.text += this.decoder.decode(value, { stream: true });
    }
  }
}

describe('parity: logs, big and streamed bodies, cancellation, timeouts', () => {
  let platform: Platform;
  let gw: HttpClient;
  let nc: NatsConnection;
  let dir: string;

  beforeAll(async () => {
    // Where functions leave markers for the test: opened read-write into the replicas (uid 65534),
    // which otherwise see nothing of the host. Not under /tmp: replicas get a private /tmp.
    dir = mkdtempSync(join(existsSync('/var/tmp') ? '/var/tmp' : tmpdir(), 'skiff-parity-'));
    chmodSync(dir, 0o777);
    platform = await Platform.start({
      env: { SKIFF_MAX_BODY_BYTES: String(MAX_BODY), SKIFF_SANDBOX_HOST_PATHS: `${TEST_SANDBOX_HOST_PATHS},${dir}:rw` },
    });
    gw = platform.client();
    nc = await connect(testNatsOptions());
    const functions = [
      { service: 'logger', image: 'any', envProcess: `${NODE} ${FORK_WORKER} log`, envVars: { combine_output: 'false' } },
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
    for (const fn of functions) {
      const reply = await gw.post('/system/functions', fn);
      expect(reply.status).toBe(202);
    }
    for (const fn of ['logger', 'cat', 'streamer', 'events']) {
      // (events waits for its gate file: give it one that exists)
      const path = fn === 'streamer' ? '/echo' : fn === 'events' ? `?gate=${encodeURIComponent(FORK_WORKER)}` : '';
      await eventually(`${fn} answers`, async () => ((await gw.post(`/function/${fn}${path}`, 'ping')).status === 200 ? true : undefined));
    }
    for (const fn of ['hang', 'deadline']) {
      await eventually(`${fn} to have a ready replica`, async () => {
        const reply = await gw.get(`/system/function/${fn}`);
        return reply.status === 200 && (reply.json<{ availableReplicas?: number }>().availableReplicas ?? 0) > 0 ? true : undefined;
      });
    }
  });

  afterAll(async () => {
    for (const fn of ['logger', 'cat', 'streamer', 'events', 'hang', 'deadline'])
      await gw?.delete('/system/functions', { functionName: fn }).catch(() => undefined);
    await platform?.stop();
    await (await nc?.jetstreamManager())?.streams.delete(subjects.logStream).catch(() => undefined);
    await nc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function eventually<T>(what: string, probe: () => T | Promise<T>, timeoutMs = SLOW): Promise<NonNullable<T>> {
    try {
      return await waitFor(what, probe, timeoutMs, 200);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- service output (tail) ---\n${platform.logs().slice(-12_000)}`);
    }
  }

  async function logLines(query: string): Promise<LogLine[]> {
    const reply = await gw.get(`/system/logs?${query}`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/x-ndjson');
    return reply.text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogLine);
  }

  describe('logs', () => {
    it('returns what the function wrote, as NDJSON with the OpenFaaS fields', async () => {
      for (const word of ['alpha', 'beta', 'gamma']) expect((await gw.post('/function/logger', word)).text).toBe(word);
      // (the readiness probe wrote "log: ping" lines before)
      const ours = (lines: LogLine[]) => lines.filter((l) => /^log: (alpha|beta|gamma)/.test(l.text));
      const lines = await eventually('three log lines', async () => {
        const got = ours(await logLines('name=logger'));
        return got.length >= 3 ? got : undefined;
      });
      expect(lines.map((l) => l.text)).toEqual(['log: alpha\n', 'log: beta\n', 'log: gamma\n']);
      for (const line of lines) {
        expect(line).toMatchObject({ name: 'logger', namespace: 'openfaas-fn' });
        expect(line.instance).toBeTruthy();
        expect(Number.isNaN(Date.parse(line.timestamp))).toBe(false);
      }
      // tail keeps the last lines; instance narrows to one replica; since in the future finds nothing.
      // (each call also has the classic watchdog's "Forking fprocess." and "Wrote N Bytes" lines)
      expect((await logLines('name=logger&tail=5')).map((l) => l.text)).toEqual([
        'log: beta\n',
        expect.stringMatching(/^Wrote 4 Bytes - Duration: /),
        'Forking fprocess.\n',
        'log: gamma\n',
        expect.stringMatching(/^Wrote 5 Bytes - Duration: /),
      ]);
      expect(ours(await logLines(`name=logger&instance=${lines[0].instance}`)).length).toBe(3);
      expect(await logLines(`name=logger&instance=${lines[0].instance}-other`)).toEqual([]);
      expect(await logLines('name=logger&since=2999-01-01T00:00:00Z')).toEqual([]);
      expect(ours(await logLines('name=logger&since=2000-01-01T00:00:00Z')).length).toBe(3);
    });

    it('answers the request faas-cli 0.16 sends for `logs --tail=false --since=10m`', async () => {
      // faas-cli: name, namespace (empty when not given), follow, since (RFC 3339, whole seconds), tail (--lines, -1).
      const since = new Date(Date.now() - 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const lines = await logLines(`name=logger&namespace=&follow=false&since=${encodeURIComponent(since)}&tail=-1`);
      expect(lines.map((l) => l.text)).toEqual(expect.arrayContaining(['log: alpha\n', 'log: beta\n', 'log: gamma\n']));
      expect((await logLines('name=logger&namespace=openfaas-fn&follow=false&tail=1')).length).toBe(1);
    });

    it('follows new lines until the client goes, then removes its consumer', async () => {
      const abort = new AbortController();
      const res = await fetch(`${gw.baseUrl}/system/logs?name=logger&tail=2&follow=true`, {
        signal: abort.signal,
        headers: basicAuthHeader(),
      });
      expect(res.status).toBe(200);
      const body = new BodyReader(res);
      await body.until(/log: gamma/);
      expect((await gw.post('/function/logger', 'delta')).status).toBe(200);
      await body.until(/log: delta/);
      expect(body.text).not.toMatch(/log: beta/);

      const jsm = await nc.jetstreamManager();
      expect((await jsm.consumers.list(subjects.logStream).next()).length).toBeGreaterThan(0);
      abort.abort();
      await eventually('the follow consumer to be deleted', async () =>
        (await jsm.consumers.list(subjects.logStream).next()).length === 0 ? true : undefined,
      );
    });

    it('answers a follow at once, before any line exists', async () => {
      const abort = new AbortController();
      const res = await fetch(`${gw.baseUrl}/system/logs?name=logger&instance=no-such-replica&follow=true`, {
        signal: abort.signal,
        headers: basicAuthHeader(),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-ndjson');
      abort.abort();
    });

    it('answers 422 for unparseable parameters and 404 for an unknown function', async () => {
      for (const query of ['name=logger&since=yesterday', 'name=logger&tail=many', 'name=logger&follow=maybe', '']) {
        const reply = await gw.get(`/system/logs?${query}`);
        expect(reply.status).toBe(422);
        expect(reply.text).toMatch(/could not parse the log request/);
      }
      expect((await gw.get('/system/logs?name=nobody-here')).status).toBe(404);
    });
  });

  describe('logs: bad input (property-based)', () => {
    const param = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom(
        '',
        '-1',
        '0',
        '5',
        '1e3',
        'true',
        'FALSE',
        't',
        'yes',
        '2024-05-01T10:00:00Z',
        '2024-13-45T99:99:99Z',
        '../../etc',
        'logger',
        'logger.*',
        '>',
        '\u0000',
        'x'.repeat(2000),
      ),
    );
    const query = fc.record(
      { name: param, namespace: param, instance: param, since: param, tail: param, follow: param },
      { requiredKeys: [] },
    );

    it('never answers 5xx and only 200, 404 or 422, whatever the parameters', async () => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(query, async (q) => {
          runs++;
          const params = new URLSearchParams();
          for (const [k, v] of Object.entries(q)) params.append(k, v as string);
          const abort = new AbortController();
          // A valid follow streams until we go: read the status and leave.
          const res = await fetch(`${gw.baseUrl}/system/logs?${params}`, { signal: abort.signal, headers: basicAuthHeader() });
          const status = res.status;
          abort.abort();
          await res.body?.cancel().catch(() => undefined);
          return [200, 404, 422].includes(status);
        }),
        { numRuns: 150, seed: Number(process.env.SKIFF_FUZZ_SEED) || undefined },
      );
      expect(runs).toBe(150);
      expect(platform.crashed()).toEqual([]);
    });
  });

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
