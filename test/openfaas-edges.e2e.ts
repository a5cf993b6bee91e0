// Issue 17, part 1: where Skiff differed from OpenFaaS in edge cases, through the gateway's HTTP API
// with the built provider, gateway and watchdogs as real processes: names that cannot be functions,
// the watchdog's own lines in function logs, namespaces that were never created, and the logs of a
// deleted function under a reused name.
import { resolve } from 'node:path';
import { HttpClient, Platform, waitFor } from '@skiff/testing';

jest.setTimeout(240_000);

const NODE = process.execPath;
const FORK_WORKER = resolve(__dirname, 'fixtures', 'fork-worker.js');
const HTTP_ECHO = resolve(__dirname, 'fixtures', 'http-echo-server.js');
const SLOW = 90_000;

/** One NDJSON line of /system/logs. */
interface LogLine {
  name: string;
  namespace: string;
  instance: string;
  text: string;
}

describe('OpenFaaS edge cases (real processes)', () => {
  let platform: Platform;
  let gw: HttpClient;

  beforeAll(async () => {
    platform = await Platform.start();
    gw = platform.client();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  async function eventually<T>(what: string, probe: () => T | Promise<T>, timeoutMs = SLOW): Promise<NonNullable<T>> {
    try {
      return await waitFor(what, probe, timeoutMs, 250);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- service output (tail) ---\n${platform.logs().slice(-12_000)}`);
    }
  }

  async function deploy(fn: Record<string, unknown>): Promise<void> {
    const reply = await gw.post('/system/functions', { image: 'any', ...fn });
    expect(reply.status).toBe(202);
  }

  async function logTexts(name: string, namespace = 'openfaas-fn'): Promise<string[]> {
    const reply = await gw.get(`/system/logs?name=${name}&namespace=${namespace}&since=2000-01-01T00:00:00Z`);
    expect(reply.status).toBe(200);
    return reply.text
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as LogLine).text.replace(/\n$/, ''));
  }

  describe('a name that cannot be a function', () => {
    it.each(['/function/.openfaas-fn', '/function/Bad_Name', '/function/Bad_Name/some/path?x=1', '/function/.'])(
      '%s is 404 "not found", as the OpenFaaS gateway answers',
      async (path) => {
        for (const reply of [await gw.post(path, 'x'), await gw.get(path)]) {
          expect(reply.status).toBe(404);
          expect(reply.text).toContain('not found');
          expect(reply.headers.get('content-type')).toContain('text/plain');
          expect(reply.headers.get('x-openfaas-internal')).toBe('gateway');
        }
      },
    );

    it('is 404 on /async-function too', async () => {
      const reply = await gw.post('/async-function/Bad_Name', 'x');
      expect(reply.status).toBe(404);
      expect(reply.text).toContain('not found');
    });
  });

  describe("the watchdog's own lines in the function's logs", () => {
    it('classic: "Forking fprocess." and "Wrote N Bytes - Duration: S seconds" per call', async () => {
      await deploy({ service: 'edge-cat', envProcess: 'cat' });
      await eventually('edge-cat answers', async () =>
        (await gw.post('/function/edge-cat', 'hello')).text === 'hello' ? true : undefined,
      );
      const texts = await eventually('the watchdog lines', async () => {
        const got = await logTexts('edge-cat');
        return got.some((t) => /^Wrote 5 Bytes - Duration: \d+\.\d{6} seconds$/.test(t)) ? got : undefined;
      });
      expect(texts).toContain('Forking fprocess.');
      expect(texts.indexOf('Forking fprocess.')).toBeLessThan(texts.findIndex((t) => t.startsWith('Wrote 5 Bytes')));
    });

    it('http mode: of-watchdog\'s "Forking - <process> [args]" and "<method> <uri> - <status> - ContentLength: <size> (<s>s)"', async () => {
      await deploy({ service: 'edge-http', envProcess: `${NODE} ${HTTP_ECHO}`, envVars: { mode: 'http' } });
      await eventually('edge-http answers', async () =>
        (await gw.post('/function/edge-http/some/where?a=b', 'hi')).status === 200 ? true : undefined,
      );
      const texts = await eventually('the of-watchdog request line', async () => {
        const got = await logTexts('edge-http');
        return got.some((t) => t.startsWith('POST /some/where?a=b - 200 OK - ContentLength: ')) ? got : undefined;
      });
      expect(texts).toContain(`Forking - ${NODE} [${HTTP_ECHO}]`);
      // -1B: the echo server answers chunked, without a Content-Length, and of-watchdog logs that as -1B.
      const line = texts.find((t) => t.startsWith('POST /some/where?a=b - '));
      expect(line).toMatch(/^POST \/some\/where\?a=b - 200 OK - ContentLength: (-1|\d+(\.\d+)?[kM]?)B \(\d+\.\d{4}s\)$/);
    });
  });

  it('streaming mode: of-watchdog\'s "<method> <uri> - <status> - ContentLength: <size> (<s>s)" once the fork ended', async () => {
    await deploy({ service: 'edge-stream', envProcess: 'cat', envVars: { mode: 'streaming', content_type: 'text/plain' } });
    await eventually('edge-stream answers', async () =>
      (await gw.post('/function/edge-stream/x?y=1', 'streamed')).text === 'streamed' ? true : undefined,
    );
    const line = await eventually('the request line', async () =>
      (await logTexts('edge-stream')).find((t) => t.startsWith('POST /x?y=1 - ')),
    );
    expect(line).toMatch(/^POST \/x\?y=1 - 200 - ContentLength: 8B \(\d+\.\d{4}s\)$/);
  });

  describe('namespaces', () => {
    it('refuses a deploy into a namespace that was never created (400 with the reason), as faasd does', async () => {
      const reply = await gw.post('/system/functions', { service: 'lost', image: 'any', envProcess: 'cat', namespace: 'never-made' });
      expect(reply.status).toBe(400);
      expect(reply.text).toContain('namespace not valid');
      expect(reply.text).toContain('never-made');
      expect((await gw.get('/system/functions?namespace=never-made')).json()).toEqual([]);
      expect((await gw.get('/system/namespaces')).json()).not.toContain('never-made');
      // A secret there is refused the same way.
      const secret = await gw.post('/system/secrets', { name: 'key', value: 'x', namespace: 'never-made' });
      expect(secret.status).toBe(400);
      expect(secret.text).toContain('namespace not valid');
    });

    it('accepts the deploy once the namespace is created', async () => {
      expect((await gw.post('/system/namespace/', { name: 'made-now', labels: { openfaas: '1' } })).status).toBe(201);
      await deploy({ service: 'found', envProcess: 'cat', namespace: 'made-now' });
      await eventually('found.made-now answers', async () =>
        (await gw.post('/function/found.made-now', 'ok')).text === 'ok' ? true : undefined,
      );
    });
  });

  describe('a name used again', () => {
    it("does not show the deleted function's logs for a new function of the same name", async () => {
      const fn = { service: 'reborn', envProcess: `${NODE} ${FORK_WORKER} log`, envVars: { combine_output: 'false' } };
      await deploy(fn);
      await eventually('reborn answers', async () => ((await gw.post('/function/reborn', 'first-life')).status === 200 ? true : undefined));
      await eventually('the first life in the logs', async () =>
        (await logTexts('reborn')).includes('log: first-life') ? true : undefined,
      );

      expect((await gw.delete('/system/functions', { functionName: 'reborn' })).status).toBe(202);
      await eventually('reborn gone', async () => ((await gw.post('/function/reborn', 'x')).status === 404 ? true : undefined));
      await deploy(fn);
      await eventually('reborn answers again', async () =>
        (await gw.post('/function/reborn', 'second-life')).status === 200 ? true : undefined,
      );
      const texts = await eventually('the second life in the logs', async () => {
        const got = await logTexts('reborn');
        return got.includes('log: second-life') ? got : undefined;
      });
      expect(texts).not.toContain('log: first-life');
    });
  });
});
