// Shared by the OpenFaaS API parity suites (parity-logs.e2e.ts, parity-streams.e2e.ts): a platform
// with test functions deployed and answering, and a reader of streamed bodies.
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, NatsConnection } from 'nats';
import { subjects } from '@skiff/contracts/subjects';
import { HttpClient, Platform, TEST_SANDBOX_HOST_PATHS, testNatsOptions, waitWithLogs } from '@skiff/testing';

export const STREAM_SERVER = resolve(__dirname, 'fixtures', 'stream-server.js');
export const FORK_WORKER = resolve(__dirname, 'fixtures', 'fork-worker.js');
export const NODE = process.execPath;
/** Above the NATS server's 1 MiB max_payload, below the limit configured here. */
export const FIVE_MIB = 5 * 1024 * 1024;
export const MAX_BODY = 8 * 1024 * 1024;
export const SLOW = 90_000;

/** One NDJSON line of /system/logs. */
export interface LogLine {
  name: string;
  namespace: string;
  instance: string;
  timestamp: string;
  text: string;
}

/** Reads a streamed HTTP body piece by piece, as the client sees it arrive. */
export class BodyReader {
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

/** A running parity platform. */
export interface Parity {
  platform: Platform;
  gw: HttpClient;
  nc: NatsConnection;
  /** Where functions leave markers for the test (read-write in their replicas). */
  dir: string;
}

/** waitFor that adds the services' output to a failure. */
export function eventuallyOn<T>(platform: Platform, what: string, probe: () => T | Promise<T>, timeoutMs = SLOW): Promise<NonNullable<T>> {
  return waitWithLogs(platform, what, probe, { timeoutMs });
}

/**
 * Starts the platform, deploys `functions`, and waits until each of `answering` (function → path)
 * answers a call and each of `ready` has a ready replica.
 */
export async function startParity(
  functions: Array<Record<string, unknown> & { service: string }>,
  answering: Record<string, string>,
  ready: string[] = [],
): Promise<Parity> {
  // Where functions leave markers for the test: opened read-write into the replicas (uid 65534),
  // which otherwise see nothing of the host. Not under /tmp: replicas get a private /tmp.
  const dir = mkdtempSync(join(existsSync('/var/tmp') ? '/var/tmp' : tmpdir(), 'skiff-parity-'));
  chmodSync(dir, 0o777);
  const platform = await Platform.start({
    env: { SKIFF_MAX_BODY_BYTES: String(MAX_BODY), SKIFF_SANDBOX_HOST_PATHS: `${TEST_SANDBOX_HOST_PATHS},${dir}:rw` },
  });
  const gw = platform.client();
  const nc = await connect(testNatsOptions());
  for (const fn of functions) {
    const reply = await gw.post('/system/functions', fn);
    if (reply.status !== 202) throw new Error(`deploying ${fn.service}: ${reply.status} ${reply.text}`);
  }
  for (const [fn, path] of Object.entries(answering)) {
    await eventuallyOn(platform, `${fn} answers`, async () =>
      (await gw.post(`/function/${fn}${path}`, 'ping')).status === 200 ? true : undefined,
    );
  }
  for (const fn of ready) {
    await eventuallyOn(platform, `${fn} to have a ready replica`, async () => {
      const reply = await gw.get(`/system/function/${fn}`);
      return reply.status === 200 && (reply.json<{ availableReplicas?: number }>().availableReplicas ?? 0) > 0 ? true : undefined;
    });
  }
  return { platform, gw, nc, dir };
}

/** Deletes the functions, stops the platform, removes the log stream and the marker folder. */
export async function stopParity(parity: Parity | undefined, functions: string[]): Promise<void> {
  if (!parity) return;
  for (const fn of functions) await parity.gw.delete('/system/functions', { functionName: fn }).catch(() => undefined);
  await parity.platform.stop();
  await (await parity.nc.jetstreamManager()).streams.delete(subjects.logStream).catch(() => undefined);
  await parity.nc.close();
  rmSync(parity.dir, { recursive: true, force: true });
}
