// Prometheus and AlertManager for real: Debian's `prometheus` and `prometheus-alertmanager` run on
// loopback with the shipped deploy/prometheus files (only addresses, ports and the password file
// rewritten), scrape the gateway, fire APIHighInvocationRate under load, and the gateway's
// /system/alert scales the function up, then back to min when the alert resolves. The built-in
// autoscaler is off here, so only the alert can move the replicas.
import 'reflect-metadata';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, JSONCodec, NatsConnection } from 'nats';
import { EVENTS, subjects } from '@skiff/contracts';
import type { ScaleDecisionEvent } from '@skiff/contracts/messages/scale-decision.event';
import { HttpClient, Platform, TEST_ADMIN_PASSWORD, deletePrefixStreams, freePort, testNatsOptions } from '@skiff/testing';
import { eventually, status, steadyLoad } from './helpers';

jest.setTimeout(300_000);

const SHIPPED = resolve(__dirname, '..', '..', 'deploy', 'prometheus');

function need(binary: string): void {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0;
  if (!found) throw new Error(`${binary} is not installed: apt-get install prometheus prometheus-alertmanager (.ci/run does)`);
}

describe('Prometheus + AlertManager with the shipped config', () => {
  let platform: Platform;
  let gw: HttpClient;
  let dir: string;
  let nc: NatsConnection;
  const children: ChildProcess[] = [];
  const output: string[] = [];
  const decisions: ScaleDecisionEvent[] = [];
  let promUrl = '';

  function start(command: string, args: string[]): void {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => output.push(`[${command}] ${chunk.toString()}`);
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    children.push(child);
  }

  beforeAll(async () => {
    need('prometheus');
    need('prometheus-alertmanager');
    platform = await Platform.start({
      services: ['provider', 'gateway', 'scaler'],
      serviceEnv: { scaler: { SKIFF_SCALER_AUTOSCALE: 'false' } },
    });
    gw = platform.client();
    nc = await connect(testNatsOptions());
    const json = JSONCodec<ScaleDecisionEvent>();
    nc.subscribe(subjects.event(EVENTS.scaleDecision), { callback: (_e, msg) => decisions.push(json.decode(msg.data)) });

    dir = mkdtempSync(join(tmpdir(), 'skiff-prometheus-'));
    const [promPort, amPort] = [await freePort(), await freePort()];
    const gateway = new URL(platform.url('gateway')).host;
    const rewrite = (text: string) =>
      text
        .replaceAll('127.0.0.1:8080', gateway)
        .replaceAll('127.0.0.1:8084', new URL(platform.url('gateway-metrics')).host)
        .replaceAll('127.0.0.1:8081', new URL(platform.url('provider')).host)
        .replaceAll('127.0.0.1:8082', new URL(platform.url('scaler')).host)
        .replaceAll('127.0.0.1:9093', `127.0.0.1:${amPort}`)
        .replace('../../.skiff/admin-password', join(dir, 'admin-password'));
    for (const file of ['prometheus.yml', 'alert.rules.yml', 'alertmanager.yml'])
      writeFileSync(join(dir, file), rewrite(readFileSync(join(SHIPPED, file), 'utf8')));
    writeFileSync(join(dir, 'admin-password'), `${TEST_ADMIN_PASSWORD}\n`, { mode: 0o600 });

    start('prometheus-alertmanager', [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'alertmanager')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
    ]);
    start('prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'prometheus')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    promUrl = `http://127.0.0.1:${promPort}`;
    const prom = new HttpClient(promUrl);
    const am = new HttpClient(`http://127.0.0.1:${amPort}`);
    await eventually(platform, 'prometheus and alertmanager to be ready', async () => {
      const [p, a] = await Promise.all([prom.get('/-/ready').catch(() => undefined), am.get('/-/ready').catch(() => undefined)]);
      return p?.status === 200 && a?.status === 200;
    });
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    await platform?.stop();
    if (nc) await deletePrefixStreams(nc).finally(() => nc.drain());
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scales up on APIHighInvocationRate and back to min when it resolves', async () => {
    // step = ceil(4 / 100 × 50) = 2: one firing notification takes 1 → 3.
    const res = await gw.post('/system/functions', {
      service: 'hot',
      image: 'any',
      envProcess: 'cat',
      labels: { 'com.openfaas.scale.min': '1', 'com.openfaas.scale.max': '4', 'com.openfaas.scale.factor': '50' },
    });
    expect(res.status).toBe(202);
    await eventually(platform, 'hot to answer', async () => (await gw.post('/function/hot', 'x')).status === 200);

    const load = steadyLoad(gw, '/function/hot', 12);
    try {
      await eventually(
        platform,
        'Prometheus to scrape the gateway',
        async () => {
          const q = await new HttpClient(promUrl).get(
            `/api/v1/query?query=${encodeURIComponent('gateway_function_invocation_total{function_name="hot.openfaas-fn",code="200"}')}`,
          );
          return q.status === 200 && q.text.includes('hot.openfaas-fn');
        },
        60_000,
      );
      await eventually(platform, 'the alert to scale hot up', async () => ((await status(gw, 'hot'))?.replicas ?? 0) > 1, 120_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- prometheus/alertmanager ---\n${output.join('').slice(-6000)}`);
    } finally {
      await load.stop();
    }
    await eventually(platform, 'the resolved alert to bring hot back to 1', async () => (await status(gw, 'hot'))?.replicas === 1, 120_000);
    const hot = decisions.filter((d) => d.name === 'hot');
    expect(hot.length).toBeGreaterThanOrEqual(2);
    expect(hot.every((d) => d.reason === 'alert')).toBe(true);
    expect(hot[0]).toMatchObject({ from: 1, to: 3 });
    expect(hot[hot.length - 1]).toMatchObject({ to: 1 });
  });
});
