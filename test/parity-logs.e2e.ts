// Issue 3 (OpenFaaS API parity): function logs (`/system/logs`, follow included), through the
// gateway's HTTP API with the built provider, gateway and watchdogs as real processes.
import fc from 'fast-check';
import { NatsConnection } from 'nats';
import { subjects } from '@skiff/contracts/subjects';
import { HttpClient, Platform, basicAuthHeader } from '@skiff/testing';
import { BodyReader, FORK_WORKER, LogLine, NODE, Parity, eventuallyOn, startParity, stopParity } from './parity-harness';

jest.setTimeout(240_000);

describe('parity: logs', () => {
  let parity: Parity | undefined;
  let platform: Platform;
  let gw: HttpClient;
  let nc: NatsConnection;

  beforeAll(async () => {
    parity = await startParity(
      [{ service: 'logger', image: 'any', envProcess: `${NODE} ${FORK_WORKER} log`, envVars: { combine_output: 'false' } }],
      { logger: '' },
    );
    ({ platform, gw, nc } = parity);
  });

  afterAll(() => stopParity(parity, ['logger']));

  const eventually = <T>(what: string, probe: () => T | Promise<T>, timeoutMs?: number) => eventuallyOn(platform, what, probe, timeoutMs);

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
      // The watchdog writes its "Wrote N Bytes" line after the answer: wait for the last call's too.
      const lines = await eventually('three log lines and the last call\'s "Wrote" line', async () => {
        const all = await logLines('name=logger');
        const got = ours(all);
        return got.length >= 3 && /^Wrote 5 Bytes/.test(all.at(-1)?.text ?? '') ? got : undefined;
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
});
