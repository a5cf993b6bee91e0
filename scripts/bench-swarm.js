#!/usr/bin/env node
'use strict';
// Swarm backend benchmark (`node scripts/bench-swarm.js`), in one run on one bus:
//  1. sync invoke of the same Node 20 http-mode function (test/swarm/fixtures/swarm-fn.js) through the
//     gateway, on the local backend and then on the swarm backend (one-node swarm, one replica):
//     BENCH_CALLS sequential calls (latency p50/p95) and BENCH_SECONDS of 8 concurrent callers (calls/s);
//  2. cold start from zero on swarm: BENCH_WAKES times scale to 0, wait until no task is left, then
//     time one sync call (the scaler wakes the function, Docker starts a task, the watchdog announces
//     ready): p50/p95.
// Starts its own bus, swarm (scripts/docker/swarm-nodes.js), provider, gateway and scaler, and removes
// what it made. Environment: BENCH_CALLS (300), BENCH_SECONDS (10), BENCH_WAKES (10), SKIFF_SKIP_BUILD=1.
const { mkdtempSync, rmSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { randomBytes } = require('node:crypto');
const { BootstrapError, freePort } = require('./lib/infra');
const { installIfMissing, buildUnlessSkipped } = require('./lib/prepare');
const { openBenchBus, startHealthyService, deleteStreams, runBenchmark } = require('./lib/bench-platform');
const { BENCH_SANDBOX_HOST_PATHS, REPO_ROOT } = require('./lib/paths');
const swarmNodes = require('./docker/swarm-nodes');

const CALLS = Number(process.env.BENCH_CALLS || 300);
const SECONDS = Number(process.env.BENCH_SECONDS || 10);
const WAKES = Number(process.env.BENCH_WAKES || 10);
const PASSWORD = `bench-${randomBytes(6).toString('hex')}`;
const AUTH = { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` };
const FIXTURES = join(REPO_ROOT, 'test', 'swarm', 'fixtures');

const say = (text) => process.stdout.write(`[bench-swarm] ${text}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cleanups = [];
let natsStarted;

function docker(...args) {
  const r = spawnSync('docker', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new BootstrapError(`docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const ms = (v) => `${v.toFixed(1)} ms`;

async function until(what, probe, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new BootstrapError(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Provider, gateway and scaler of one backend; resolves with the gateway client and a stop(). */
async function platform(nats, prefix, dataDir, providerEnv) {
  const own = [];
  const ports = { provider: await freePort(), gateway: await freePort(), scaler: await freePort() };
  const common = {
    SKIFF_NATS_URL: nats.url,
    SKIFF_SUBJECT_PREFIX: prefix,
    SKIFF_DATA_DIR: dataDir,
    SKIFF_LOG_LEVEL: 'warn',
    SKIFF_ADMIN_PASSWORD: PASSWORD,
    SKIFF_SANDBOX_HOST_PATHS: `${BENCH_SANDBOX_HOST_PATHS},${FIXTURES}`,
  };
  await startHealthyService('provider', { ...common, ...providerEnv, SKIFF_PROVIDER_PORT: String(ports.provider) }, ports.provider, own);
  await startHealthyService('gateway', { ...common, SKIFF_GATEWAY_PORT: String(ports.gateway) }, ports.gateway, own);
  await startHealthyService('scaler', { ...common, SKIFF_SCALER_PORT: String(ports.scaler) }, ports.scaler, own);
  const gw = `http://127.0.0.1:${ports.gateway}`;
  const http = async (method, path, body) => {
    const res = await fetch(`${gw}${path}`, {
      method,
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };
  return {
    http,
    stop: async () => {
      for (const fn of own.reverse()) await fn();
    },
  };
}

/** Sequential latency and concurrent throughput of sync calls to `name`. */
async function invokeBench(http, name) {
  for (let i = 0; i < 20; i++) await http('POST', `/function/${name}`, 'warm');
  const latencies = [];
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now();
    const r = await http('POST', `/function/${name}`, 'x');
    if (r.status !== 200) throw new BootstrapError(`call ${i}: ${r.status} ${r.text}`);
    latencies.push(performance.now() - t);
  }
  let done = 0;
  let failed = 0;
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (Date.now() < end) {
        const r = await http('POST', `/function/${name}`, 'x').catch(() => ({ status: 0 }));
        if (r.status === 200) done++;
        else failed++;
      }
    }),
  );
  return { p50: pct(latencies, 50), p95: pct(latencies, 95), rps: done / SECONDS, failed };
}

async function main() {
  process.chdir(REPO_ROOT);
  installIfMissing(say);
  buildUnlessSkipped(say);
  const { connect } = require('nats');
  const { SubjectRegistry } = require(join(REPO_ROOT, 'dist', 'libs', 'contracts', 'src', 'subjects.js'));
  const prefix = `benchs${randomBytes(4).toString('hex')}`;
  const nats = await openBenchBus(prefix, say);
  natsStarted = nats.started;
  const nc = await connect(nats.connectOptions({ name: 'bench-swarm' }));
  cleanups.push(() => deleteStreams(nc, new SubjectRegistry(prefix)).finally(() => nc.close()));

  const swarm = await swarmNodes.up({ nodes: 1, log: say });
  cleanups.push(() => swarmNodes.down(swarm, say));
  const base = `skiff-bench/${prefix}-base:dev`;
  const image = `${swarm.registry}/${prefix}/swarm-fn:1`;
  const lite = spawnSync(join(REPO_ROOT, 'scripts', 'docker', 'watchdog-lite-image.sh'), [base], { encoding: 'utf8' });
  if (lite.status !== 0) throw new BootstrapError(lite.stderr);
  docker('build', '-q', '-t', image, '--build-arg', `BASE=${base}`, '-f', join(FIXTURES, 'Dockerfile'), FIXTURES);
  cleanups.push(async () => spawnSync('docker', ['rmi', image, base]));

  const fn = (service, image, envProcess) => ({ service, image, envProcess, envVars: { mode: 'http' } });
  const results = {};
  for (const backend of ['local', 'swarm']) {
    const dataDir = mkdtempSync(join(tmpdir(), `skiff-bench-swarm-${backend}-`));
    const p = await platform(nats, prefix, dataDir, { SKIFF_BACKEND: backend });
    try {
      const deployment =
        backend === 'local'
          ? fn('node20', 'local', `${process.execPath} ${join(FIXTURES, 'swarm-fn.js')}`)
          : fn('node20', image, 'node /home/app/swarm-fn.js');
      const res = await p.http('POST', '/system/functions', deployment);
      if (res.status !== 202) throw new BootstrapError(`deploy on ${backend}: ${res.status} ${res.text}`);
      await until(`the ${backend} function to answer`, async () => (await p.http('POST', '/function/node20', 'x')).status === 200);
      results[backend] = await invokeBench(p.http, 'node20');
      say(
        `${backend}: p50 ${ms(results[backend].p50)}, p95 ${ms(results[backend].p95)}, ${results[backend].rps.toFixed(0)} calls/s (8 callers)`,
      );
      if (backend === 'swarm') results.cold = await coldStarts(p.http, prefix);
      await p.http('DELETE', '/system/functions', { functionName: 'node20' });
      if (backend === 'swarm')
        await until('the service to go', async () => !docker('service', 'ls', '-q', '--filter', `label=com.skiff.prefix=${prefix}`));
    } finally {
      await p.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const { local, swarm: sw, cold } = results;
  process.stdout.write(
    [
      '',
      `sync invoke, Node 20 http-mode function, ${CALLS} sequential calls + ${SECONDS} s of 8 callers, through the gateway:`,
      `  local backend: p50 ${ms(local.p50)}  p95 ${ms(local.p95)}  ${local.rps.toFixed(0)} calls/s`,
      `  swarm backend: p50 ${ms(sw.p50)}  p95 ${ms(sw.p95)}  ${sw.rps.toFixed(0)} calls/s  (swarm/local calls/s ${(sw.rps / local.rps).toFixed(2)})`,
      `cold start from zero on swarm (${WAKES} wakes): p50 ${ms(pct(cold, 50))}  p95 ${ms(pct(cold, 95))}`,
      '',
    ].join('\n'),
  );
}

/** Scale to zero, wait until no task runs, time one call: `WAKES` times. */
async function coldStarts(http, prefix) {
  const service = `${prefix}-openfaas-fn-node20`;
  const samples = [];
  for (let i = 0; i < WAKES; i++) {
    await http('POST', '/system/scale-function/node20', { serviceName: 'node20', replicas: 0 });
    await until('no task left', async () => !docker('ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`));
    const t0 = performance.now();
    const r = await http('POST', '/function/node20', 'hello');
    if (r.status !== 200) throw new BootstrapError(`wake ${i + 1}: ${r.status} ${r.text}`);
    samples.push(performance.now() - t0);
    say(`wake ${i + 1}: ${ms(samples.at(-1))}`);
  }
  return samples;
}

runBenchmark('bench-swarm', main, { cleanups, natsServer: () => natsStarted, say });
