import 'reflect-metadata';
import { chmodSync, copyFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, NatsConnection } from 'nats';
import type { ReplicaEvent } from '@skiff/contracts/messages/replica.event';
import { subjects } from '@skiff/contracts/subjects';
import { InvokeClient } from '@skiff/invoke/invoke-client';
import type { InvokeResponse } from '@skiff/invoke/invoke.types';
import { freePort, REPO_ROOT, replicaBusEnv, TEST_NATS_URL, testNatsOptions } from '@skiff/testing';
import { buildImages, dockerQuiet, run, runsDockerTests, skiff } from './docker-harness';

// Every template built by `skiff build --docker` into an image whose entrypoint is Skiff's watchdog,
// run as Docker would on a container backend (read-only root, no capabilities, user from the image),
// joined to the run's bus with credentials of its own, and called through the invoke protocol.
// A stock OpenFaaS-style image wrapped by deploy/docker/bridge.Dockerfile answers the same way.
const prefix = process.env.SKIFF_SUBJECT_PREFIX!;
const NS = 'openfaas-fn';
const TEMPLATES: Array<{ lang: string; body: string; expect: RegExp }> = [
  { lang: 'node20', body: 'hi', expect: /Received input: \\?"hi/ },
  { lang: 'node20-http', body: 'hi', expect: /Received input: \\?"hi/ },
  { lang: 'node', body: 'hi', expect: /"received":"hi"/ },
  { lang: 'python3', body: 'hello py', expect: /^hello py$/ },
  { lang: 'python3-http', body: 'there', expect: /^Hello from Python: there$/ },
  { lang: 'bash', body: 'echo me', expect: /^echo me$/ },
  { lang: 'dockerfile', body: 'cat me', expect: /^cat me$/ },
];
const fnName = (lang: string) => `${prefix}-${lang.replace('python', 'py').replace(/[^a-z0-9]/g, '')}`;
const imageOf = (lang: string) => `skiff-test/${fnName(lang)}:latest`;

let runs = false;
let dir: string;
let nc: NatsConnection;
let client: InvokeClient;
const containers: string[] = [];
const images: string[] = [];

beforeAll(async () => {
  runs = await runsDockerTests();
  if (!runs) return;
  buildImages(['watchdog']);
  nc = await connect(testNatsOptions({ name: `${prefix}-images` }));
  client = new InvokeClient(nc, subjects);
  dir = mkdtempSync(join(tmpdir(), `${prefix}-images-`));
}, 1_800_000);

afterAll(async () => {
  for (const c of containers) dockerQuiet(['rm', '-f', c]);
  for (const image of images) dockerQuiet(['rmi', '-f', image]);
  await nc?.drain();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `image` as function `name` and resolves with its replica.ready event. */
async function startReplica(name: string, image: string, env: Record<string, string> = {}): Promise<ReplicaEvent> {
  const instance = `${name}-c0`;
  // The minted credentials, readable by the image's non-root user (a Docker secret would be).
  const creds = (await replicaBusEnv(NS, name, instance)).SKIFF_NATS_CREDS;
  const credsDir = mkdtempSync(join(dir, 'creds-'));
  const mounts: string[] = [];
  if (creds) {
    copyFileSync(creds, join(credsDir, 'replica.creds'));
    chmodSync(join(credsDir, 'replica.creds'), 0o644);
    chmodSync(credsDir, 0o755);
    mounts.push('-v', `${credsDir}:/run/skiff:ro`, '-e', 'SKIFF_NATS_CREDS=/run/skiff/replica.creds');
  }
  const sub = nc.subscribe(subjects.replicaReadyOf(NS, name), { timeout: 60_000 });
  await nc.flush();
  const vars = { SKIFF_NATS_URL: TEST_NATS_URL, SKIFF_SUBJECT_PREFIX: prefix, SKIFF_FUNCTION_NAME: name, SKIFF_INSTANCE: instance, ...env };
  containers.push(instance);
  // Host network: the run's NATS listens on the host's loopback.
  run('docker', [
    'run', '-d', '--name', instance, '--network', 'host', '--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL',
    '--security-opt', 'no-new-privileges', ...mounts, ...Object.entries(vars).flatMap(([k, v]) => ['-e', `${k}=${v}`]), image,
  ]); // prettier-ignore
  try {
    for await (const msg of sub) {
      const event = JSON.parse(Buffer.from(msg.data).toString()) as ReplicaEvent;
      if (event.instance === instance) return event;
    }
  } catch (err) {
    throw new Error(`${instance} was not ready: ${(err as Error).message}\n${run('docker', ['logs', instance])}`);
  }
  throw new Error(`${instance} was not ready`);
}

function invoke(name: string, body: string): Promise<InvokeResponse> {
  return client.invoke(
    { name, namespace: NS },
    { method: 'POST', path: '/', query: '', headers: { 'Content-Type': 'text/plain' }, body: Buffer.from(body) },
    { timeoutMs: 20_000, overloadRetries: 0 },
  );
}

const text = (res: InvokeResponse) => Buffer.from(res.body).toString('utf8').trim();

describe('function images (skiff build --docker)', () => {
  it('builds every template into an image whose entrypoint is Skiff’s watchdog', () => {
    if (!runs) return;
    const stack = ['version: 1.0', 'provider:', '  name: openfaas', 'functions:'];
    for (const { lang } of TEMPLATES) {
      cpSync(join(REPO_ROOT, 'templates', lang, 'function'), join(dir, lang), { recursive: true });
      stack.push(`  ${fnName(lang)}:`, `    lang: ${lang}`, `    handler: ./${lang}`, `    image: ${imageOf(lang)}`);
      images.push(imageOf(lang));
    }
    writeFileSync(join(dir, 'stack.yml'), stack.join('\n') + '\n');
    skiff(['build', '--docker', '--parallel', '2', '-f', 'stack.yml'], dir);
    for (const { lang } of TEMPLATES) {
      const entrypoint = run('docker', ['image', 'inspect', '--format', '{{json .Config.Entrypoint}} {{.Config.User}}', imageOf(lang)]);
      expect(entrypoint).toContain('/opt/skiff/app/dist/apps/watchdog/src/main.js');
      expect(entrypoint.split(' ').pop()).not.toMatch(/^(|root|0)$/);
    }
  }, 900_000);

  it.each(TEMPLATES)(
    'a $lang image joins the bus and answers through the watchdog',
    async ({ lang, body, expect: answer }) => {
      if (!runs) return;
      const name = fnName(lang);
      const port = await freePort();
      const ready = await startReplica(name, imageOf(lang), { SKIFF_WATCHDOG_PORT: String(port) });
      expect(ready.instance).toBe(`${name}-c0`);
      const res = await invoke(name, body);
      expect(res.status).toBe(200);
      expect(text(res)).toMatch(answer);
      // The image's HEALTHCHECK asks the watchdog's /_/health on the port it was given.
      const health = await fetch(`http://127.0.0.1:${port}/_/health`);
      expect(health.status).toBe(200);
      expect(
        run('docker', [
          'exec',
          `${name}-c0`,
          ...JSON.parse(run('docker', ['inspect', '--format', '{{json .Config.Healthcheck.Test}}', imageOf(lang)])).slice(1),
        ]),
      ).toBe('');
    },
    120_000,
  );

  it('bridge mode: a stock OpenFaaS-style image, wrapped by bridge.Dockerfile, answers through its own watchdog', async () => {
    if (!runs) return;
    const stock = `skiff-test/${prefix}-stock:latest`;
    const bridged = `skiff-test/${prefix}-stock:skiff`;
    images.push(bridged, stock);
    run('docker', ['build', '-q', '-t', stock, join(REPO_ROOT, 'test', 'docker', 'fixtures', 'stock')]);
    const args = ['--build-arg', `STOCK_IMAGE=${stock}`, '--build-arg', 'STOCK_COMMAND=node /usr/bin/stock-watchdog.js'];
    run('docker', [
      'build',
      '-q',
      '-f',
      join(REPO_ROOT, 'deploy', 'docker', 'bridge.Dockerfile'),
      ...args,
      '-t',
      bridged,
      join(REPO_ROOT, 'deploy', 'docker'),
    ]);
    // On the host network the stock watchdog gets a free port instead of 8080 (its `port` variable).
    const [stockPort, healthPort] = [await freePort(), await freePort()];
    const name = `${prefix}-stock`;
    await startReplica(name, bridged, {
      port: String(stockPort),
      SKIFF_BRIDGE_UPSTREAM: `http://127.0.0.1:${stockPort}`,
      SKIFF_WATCHDOG_PORT: String(healthPort),
    });
    const res = await invoke(name, 'abc');
    expect(res.status).toBe(200);
    expect(text(res)).toBe('POST / cba');
    // The stock watchdog kept its own settings: Skiff's watchdog did not take fprocess or mode.
    expect(res.headers['x-stock-watchdog']).toBe('static/rev');
  }, 300_000);
});
