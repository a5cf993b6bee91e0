#!/usr/bin/env node
'use strict';
// Cold-start benchmark (`node scripts/bench-coldstart.js`): scale from zero, request to response.
//   For a classic `cat` function and an http-mode Node function (test/fixtures/http-echo-server.js)
//   on the local backend: BENCH_WAKES (20) times, scale to 0 by hand, wait until the replica is gone,
//   then time one sync call through the gateway. Prints p50/p95 of the total and of where the time
//   goes: wake (gateway "no responders" → scaler → provider writes the new desired count), spawn
//   (registry change → watchdog process running), boot (node start and module load), NATS connect and
//   runner start (in parallel), subscribe, ready event, first reply. A warm call is the baseline. With
//   the provider's watchdog pool (SKIFF_WATCHDOG_POOL, default 1) spawn is the adoption of a pre-started
//   watchdog and boot only its config; BENCH_WATCHDOG_POOL sets the pool size (0: every wake a fresh process),
//   BENCH_IDLE_MS (200) the pause before each wake (longer: the pool has refilled, as after a real idle period).
//   Then the scaler's decision latency: from the start of a steady 10 req/s load to its scale-up
//   decision with the default rule (threshold 5 req/s sustained for SKIFF_SCALER_SUSTAIN_MS).
// Starts its own provider, gateway and scaler with a unique subject prefix and removes what it made.
// Environment: BENCH_WAKES, SKIFF_SKIP_BUILD=1, SKIFF_NATS_URL.
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { randomBytes } = require('node:crypto');
const { BootstrapError, freePort } = require('./lib/infra');
const { installIfMissing, buildUnlessSkipped } = require('./lib/prepare');
const { openBenchBus, startHealthyService, deleteStreams, runBenchmark } = require('./lib/bench-platform');
const { BENCH_SANDBOX_HOST_PATHS, REPO_ROOT } = require('./lib/paths');

const WAKES = Number(process.env.BENCH_WAKES || 20);
// Pause between a replica going away and the next wake. A function reaches zero only after minutes
// idle, when the watchdog pool has long been refilled; back to back, a wake may find it still starting.
const IDLE_MS = Number(process.env.BENCH_IDLE_MS || 200);
const PASSWORD = `bench-${randomBytes(6).toString('hex')}`;
const AUTH = { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` };

const say = (text) => process.stdout.write(`[bench-coldstart] ${text}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cleanups = [];
let natsStarted;

async function main() {
  process.chdir(REPO_ROOT);
  installIfMissing(say);
  buildUnlessSkipped(say);
  const { connect, JSONCodec } = require('nats');
  const { SubjectRegistry } = require(join(REPO_ROOT, 'dist', 'libs', 'contracts', 'src', 'subjects.js'));

  const prefix = `benchc${randomBytes(4).toString('hex')}`;
  const nats = await openBenchBus(prefix, say);
  natsStarted = nats.started;
  const subjects = new SubjectRegistry(prefix);
  const nc = await connect(nats.connectOptions({ name: 'bench-coldstart' }));
  cleanups.push(() => deleteStreams(nc, subjects).finally(() => nc.close()));
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-bench-coldstart-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));

  const ports = { provider: await freePort(), gateway: await freePort(), scaler: await freePort() };
  const common = {
    SKIFF_NATS_URL: nats.url,
    SKIFF_SUBJECT_PREFIX: prefix,
    SKIFF_DATA_DIR: dataDir,
    SKIFF_LOG_LEVEL: 'warn',
    SKIFF_ADMIN_PASSWORD: PASSWORD,
    SKIFF_SANDBOX_HOST_PATHS: BENCH_SANDBOX_HOST_PATHS,
  };
  const pool = process.env.BENCH_WATCHDOG_POOL ? { SKIFF_WATCHDOG_POOL: process.env.BENCH_WATCHDOG_POOL } : {};
  await startHealthyService('provider', { ...common, ...pool, SKIFF_PROVIDER_PORT: String(ports.provider) }, ports.provider, cleanups);
  await startHealthyService('gateway', { ...common, SKIFF_GATEWAY_PORT: String(ports.gateway) }, ports.gateway, cleanups);
  await startHealthyService('scaler', { ...common, SKIFF_SCALER_PORT: String(ports.scaler) }, ports.scaler, cleanups);
  const gw = `http://127.0.0.1:${ports.gateway}`;
  const http = async (method, path, body) => {
    const res = await fetch(`${gw}${path}`, {
      method,
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  };

  // Events the breakdown is made of, stamped on arrival with this process's clock.
  const json = JSONCodec();
  const events = [];
  const listen = (subject) =>
    nc.subscribe(subject, {
      callback: (_err, msg) => events.push({ at: performance.now(), subject: msg.subject, data: json.decode(msg.data) }),
    });
  listen(subjects.replicaReadyAll);
  listen(subjects.event('evt.function.scaled'));
  listen(subjects.event('evt.scale.decision'));
  await nc.flush();

  const functions = [
    { name: 'cold-classic', deploy: { envProcess: 'cat' } },
    {
      name: 'cold-http',
      deploy: {
        envProcess: `${process.execPath} ${join(REPO_ROOT, 'test', 'fixtures', 'http-echo-server.js')}`,
        envVars: { mode: 'http' },
      },
    },
  ];
  const rows = [];
  for (const fn of functions) {
    const res = await http('POST', '/system/functions', { service: fn.name, image: 'local', ...fn.deploy });
    if (res.status !== 202) throw new BootstrapError(`deploy ${fn.name}: ${res.status} ${res.text}`);
    await until(`${fn.name} to answer`, async () => (await http('POST', `/function/${fn.name}`, 'x')).status === 200);
    const warm = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await http('POST', `/function/${fn.name}`, 'x');
      warm.push(performance.now() - t);
    }
    const samples = [];
    for (let i = 0; i < WAKES; i++) {
      await http('POST', `/system/scale-function/${fn.name}`, { serviceName: fn.name, replicas: 0 });
      await until(`${fn.name} to have no replica`, async () => {
        const s = JSON.parse((await http('GET', `/system/function/${fn.name}`)).text);
        return !s.replicas && !s.availableReplicas;
      });
      await sleep(IDLE_MS); // let the old process finish exiting (and, given more, the pool refill)
      const from = events.length;
      const t0 = performance.now();
      const reply = await http('POST', `/function/${fn.name}`, 'hello');
      const t1 = performance.now();
      if (reply.status !== 200) throw new BootstrapError(`${fn.name} wake ${i + 1}: ${reply.status} ${reply.text}`);
      await sleep(50);
      const mine = events.slice(from);
      const scaled = mine.find((e) => e.subject.endsWith('evt.function.scaled') && e.data.name === fn.name && e.data.replicas > 0);
      const ready = mine.find((e) => e.subject.includes('.evt.replica.ready.') && e.data.name === fn.name);
      if (!scaled || !ready || !ready.data.startup) throw new BootstrapError(`${fn.name} wake ${i + 1}: missing scaled/ready events`);
      const st = ready.data.startup;
      const processStart = ready.at - ready.data.uptimeMs;
      // A pooled watchdog (SKIFF_WATCHDOG_POOL) was running already: its start is its adoption.
      const pooled = st.adoptedMs !== undefined;
      const from0 = pooled ? st.adoptedMs : 0;
      samples.push({
        pooled,
        total: t1 - t0,
        wake: scaled.at - t0,
        spawn: processStart + from0 - scaled.at,
        // The pooled watchdog had not finished loading when it was adopted: the pool was still refilling.
        poolStarting:
          pooled && st.pooledMs !== undefined ? Math.max(0, Math.min(processStart + st.pooledMs, processStart + from0) - scaled.at) : 0,
        boot: st.loadedMs - from0,
        connect: st.connectedMs - st.loadedMs,
        runner: st.runnerMs - st.loadedMs,
        subscribe: st.subscribedMs - Math.max(st.connectedMs, st.runnerMs),
        readyEvent: ready.at - (processStart + st.subscribedMs),
        reply: t1 - ready.at,
      });
    }
    rows.push({ fn, warm, samples });
  }

  // Decision latency: steady 10 req/s on a function with the default rule.
  await http('POST', '/system/functions', {
    service: 'busy',
    image: 'local',
    envProcess: 'cat',
    labels: { 'com.openfaas.scale.max': '4' },
  });
  await until('busy to answer', async () => (await http('POST', '/function/busy', 'x')).status === 200);
  const from = events.length;
  const loadStart = performance.now();
  let decisionAt;
  let sent = 0;
  while (!decisionAt && performance.now() - loadStart < 60_000) {
    await http('POST', '/function/busy', 'x');
    sent++;
    const next = loadStart + sent * 100;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    decisionAt = events
      .slice(from)
      .find((e) => e.subject.endsWith('evt.scale.decision') && e.data.name === 'busy' && e.data.reason === 'autoscaler')?.at;
  }

  const pct = (values, p) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  };
  const ms = (v) => `${v.toFixed(1)} ms`;
  const os = require('node:os');
  let out = `\nSkiff cold-start benchmark — ${new Date().toISOString()} — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n`;
  out += `${WAKES} wakes per function from 0 replicas, ${IDLE_MS} ms after the last replica went away, local backend, request to response through the gateway; load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`;
  const phases = [
    ['total (request → response)', 'total'],
    ['  wake: no responders → scaler → desired written', 'wake'],
    ['  spawn: desired written → process running (pooled: adopted)', 'spawn'],
    ['    of which the pooled watchdog was still starting', 'poolStarting'],
    ['  boot: node start + module load (pooled: config)', 'boot'],
    ['  NATS connect (parallel with runner)', 'connect'],
    ['  runner start (http: upstream answering)', 'runner'],
    ['  subscribe + flush', 'subscribe'],
    ['  replica.ready event delivery', 'readyEvent'],
    ['  first reply: ready → response', 'reply'],
  ];
  for (const { fn, warm, samples } of rows) {
    const pooled = samples.filter((s) => s.pooled).length;
    const refilling = samples.filter((s) => s.poolStarting > 0).length;
    out += `\n${fn.name} (${fn.deploy.envVars?.mode ?? 'classic'}, ${pooled} of ${samples.length} wakes by a pooled watchdog, ${refilling} of them still starting):   p50        p95\n`;
    for (const [label, key] of phases) {
      const values = samples.map((s) => s[key]);
      out += `${label.padEnd(52)} ${ms(pct(values, 50)).padStart(10)} ${ms(pct(values, 95)).padStart(10)}\n`;
    }
    out += `${'warm call (baseline)'.padEnd(52)} ${ms(pct(warm, 50)).padStart(10)} ${ms(pct(warm, 95)).padStart(10)}\n`;
  }
  out += `\nscaler decision latency (steady 10 req/s, default rule: > 5 req/s over 10 s, sustained 5 s, checked every 2 s): `;
  out += decisionAt
    ? `${((decisionAt - loadStart) / 1000).toFixed(1)} s from load start to the scale-up decision\n`
    : 'no decision within 60 s\n';
  process.stdout.write(out);
}

async function until(what, probe, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new BootstrapError(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

runBenchmark('bench-coldstart', main, { cleanups, natsServer: () => natsStarted, say });
