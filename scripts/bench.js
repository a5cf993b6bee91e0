#!/usr/bin/env node
'use strict';
// `npm run bench`: one run, every case, on this machine, each Skiff case compared with the least its
// design can cost here (a baseline measured in the same run, under the same load).
//   (a) direct      a trivial Node HTTP server ("Hello, World!"), called directly
//   (e) nats        bare NATS request/reply between two Node processes (the bus alone)
//   (r) relay       baseline of (b) and (c): a bare Node http server forwarding each request as one
//                   nats.js request to a bare responder answering a constant (scripts/bench/relay-server.js)
//   (b) inproc      the same handler as an in-process watchdog function, through the gateway
//   (c) http        an http-mode function whose process is the server of (a), through the gateway
//   (p) forker      baseline of (d): a bare http server spawning `cat` per request (scripts/bench/forker-server.js)
//   (d) classic     a classic `cat` function (one fork per call), through the gateway
// Each Skiff case is printed as a ratio to its baseline, with the goal of issue #15 and met / not met.
// Starts its own provider + gateway (unique subject prefix, free ports), deploys through the gateway
// API, measures with autocannon (keep-alive, BENCH_CONNECTIONS=50; (p) and (d) BENCH_FORK_CONNECTIONS=10;
// BENCH_DURATION=10 s per case), prints the tables (rates and ratios, CPU per call per process, idle RSS)
// and stops everything it started.
// Then the sections in SECTIONS (triggers: scripts/bench-triggers.js), each printing its own table.
// Environment: BENCH_DURATION (s), BENCH_CONNECTIONS, BENCH_FORK_CONNECTIONS, BENCH_WARMUP (s),
// BENCH_RATE (req/s cap of the HTTP cases, to compare CPU per call at one rate), BENCH_CASES (e.g. "r,b"),
// BENCH_SECTIONS ("none" to skip them), SKIFF_SKIP_BUILD=1, SKIFF_NATS_URL.
const { randomBytes } = require('node:crypto');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { BootstrapError, freePort } = require('./lib/infra');
const { installIfMissing, buildUnlessSkipped } = require('./lib/prepare');
const { BENCH_SANDBOX_HOST_PATHS, REPO_ROOT } = require('./lib/paths');
const { deleteStreams, openBenchBus, startChild, startHealthyService, runBenchmark } = require('./lib/bench-platform');
const { rssKb, pidListeningOn } = require('./lib/proc-stats');
const { CpuMeter } = require('./bench/cpu-meter');
const { runSections } = require('./bench/sections');
const { printTable } = require('./bench/report');

const DURATION = Number(process.env.BENCH_DURATION || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 50);
/** The fork-per-call cases (forker, classic) run with fewer connections, as the issue measured them. */
const FORK_CONNECTIONS = Number(process.env.BENCH_FORK_CONNECTIONS || 10);
/**
 * BENCH_RATE caps every HTTP case at that many req/s in all: CPU per call compared at one rate (a
 * loaded process batches more per syscall, so CPU per call at full load depends on the rate reached).
 */
const RATE = Number(process.env.BENCH_RATE || 0);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const CASES = (process.env.BENCH_CASES || 'a,e,r,b,c,p,d').split(',').map((c) => c.trim());
const BODY = 'Hello, World!';
const HELLO_SERVER = join(__dirname, 'bench', 'hello-server.js');
const NATS_RESPONDER = join(__dirname, 'bench', 'nats-responder.js');
const RELAY_SERVER = join(__dirname, 'bench', 'relay-server.js');
const FORKER_SERVER = join(__dirname, 'bench', 'forker-server.js');
const INPROC_FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'inproc-hello.js');

/** Load average when the run started: a busy machine makes every number meaningless. */
const LOAD_BEFORE = require('node:os').loadavg();
const say = (text) => process.stdout.write(`[bench] ${text}\n`);
const cleanups = [];
/** True when the nats-server was already running (its CPU then includes other clients). */
let NATS_SHARED = false;
let natsStarted;

async function main() {
  process.chdir(REPO_ROOT);
  installIfMissing(say);
  buildUnlessSkipped(say);
  const autocannon = require('autocannon');
  const { connect } = require('nats');
  const { SubjectRegistry } = require(join(REPO_ROOT, 'dist', 'libs', 'contracts', 'src', 'subjects.js'));

  const prefix = `bench${randomBytes(4).toString('hex')}`;
  const nats = await openBenchBus(prefix, say);
  natsStarted = nats.started;
  NATS_SHARED = !nats.started;
  const subjects = new SubjectRegistry(prefix);
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-bench-'));
  cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  say(`${CASES.length} cases × ${DURATION} s, ${CONNECTIONS} connections, keep-alive; prefix ${prefix}; NATS ${nats.url}`);

  const nc = await connect(nats.connectOptions({ name: 'bench' }));
  cleanups.push(() => deleteStreams(nc, subjects).finally(() => nc.close()));
  const replicaPids = new Map();
  nc.subscribe(subjects.replicaReadyAll, {
    callback: (_err, msg) => {
      try {
        const event = JSON.parse(new TextDecoder().decode(msg.data));
        replicaPids.set(event.name, event.pid);
      } catch {
        // not ours
      }
    },
  });

  // Baselines.
  const direct = await startChild(
    'hello-server',
    process.execPath,
    [HELLO_SERVER],
    { PORT: String(await freePort()) },
    /^listening (\d+)/,
    cleanups,
  );
  const directUrl = `http://127.0.0.1:${direct.match[1]}`;
  // The invoke subject of a function nobody deployed: the same subject shape the gateway uses.
  const responderSubject = subjects.invoke('bench', 'nats-baseline');
  const responder = await startChild(
    'nats-responder',
    process.execPath,
    [NATS_RESPONDER, nats.url, responderSubject],
    nats.childEnv,
    /^ready/,
    cleanups,
  );
  const relay = CASES.includes('r')
    ? await startChild(
        'relay-server',
        process.execPath,
        [RELAY_SERVER, nats.url, responderSubject],
        nats.childEnv,
        /^listening (\d+)/,
        cleanups,
      )
    : undefined;
  const forker = CASES.includes('p')
    ? await startChild('forker-server', process.execPath, [FORKER_SERVER], {}, /^listening (\d+)/, cleanups)
    : undefined;
  const natsPid = pidListeningOn(Number(new URL(nats.url.split(',')[0]).port) || 4222);

  // Platform.
  const password = randomBytes(12).toString('hex');
  const common = {
    SKIFF_NATS_URL: nats.url,
    SKIFF_SUBJECT_PREFIX: prefix,
    SKIFF_DATA_DIR: dataDir,
    SKIFF_LOG_LEVEL: 'warn',
    SKIFF_ADMIN_PASSWORD: password,
    SKIFF_SANDBOX_HOST_PATHS: BENCH_SANDBOX_HOST_PATHS,
  };
  const auth = { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` };
  const ports = { provider: await freePort(), gateway: await freePort() };
  const services = {};
  const viaGateway = CASES.some((c) => ['b', 'c', 'd'].includes(c));
  for (const name of viaGateway ? ['provider', 'gateway'] : []) {
    services[name] = await startHealthyService(
      name,
      { ...common, [`SKIFF_${name.toUpperCase()}_PORT`]: String(ports[name]) },
      ports[name],
      cleanups,
    );
  }
  const gateway = `http://127.0.0.1:${ports.gateway}`;

  const functions = {
    b: { service: 'hello-inproc', image: 'any', envVars: { mode: 'inproc', handler_module: INPROC_FIXTURE } },
    c: { service: 'hello-http', image: 'any', envProcess: `${process.execPath} ${HELLO_SERVER}`, envVars: { mode: 'http' } },
    d: { service: 'hello-cat', image: 'any', envProcess: 'cat' },
  };
  for (const [key, spec] of Object.entries(functions)) {
    if (!CASES.includes(key)) continue;
    await deployAndWait(gateway, spec, auth);
  }
  await sleep(2000);
  const rss = [
    ['gateway', services.gateway?.pid],
    ['provider', services.provider?.pid],
    ...Object.entries(functions)
      .filter(([key]) => CASES.includes(key))
      .map(([, spec]) => [`replica (${spec.service})`, replicaPids.get(spec.service), true]),
    ['hello-server (a)', direct.child.pid],
  ].map(([name, pid, tree]) => ({ name, pid, kb: pid ? rssKb(pid, tree) : undefined }));

  const results = [];
  const label = {
    a: '(a) direct Node http',
    e: '(e) bare NATS req/reply',
    r: '(r) relay: http → nats.js → responder',
    p: '(p) forker: http, spawn cat per call',
    b: '(b) inproc via gateway',
    c: '(c) http mode via gateway',
    d: '(d) classic cat via gateway',
  };
  for (const key of CASES) {
    const fn = functions[key];
    // The front process (gateway, or the baseline's http server) and what answers behind it.
    const front = { r: relay?.child.pid, p: forker?.child.pid }[key] ?? (fn ? services.gateway?.pid : undefined);
    const back =
      { a: direct.child.pid, e: responder.child.pid, r: responder.child.pid }[key] ?? (fn ? replicaPids.get(fn.service) : undefined);
    const watched = {
      gateway: front,
      function: back,
      'nats-server': key === 'a' || key === 'p' ? undefined : natsPid,
      // The provider relays each replica's output lines to its own log: part of a call's cost too.
      provider: fn ? services.provider?.pid : undefined,
    };
    const cpu = new CpuMeter(watched);
    const connections = key === 'p' || key === 'd' ? FORK_CONNECTIONS : CONNECTIONS;
    let result;
    if (key === 'a') result = await httpLoad(autocannon, directUrl, cpu, connections);
    else if (key === 'e') result = await natsLoad(nc, responderSubject, cpu);
    else if (key === 'r') result = await httpLoad(autocannon, `http://127.0.0.1:${relay.match[1]}`, cpu, connections);
    else if (key === 'p') result = await httpLoad(autocannon, `http://127.0.0.1:${forker.match[1]}`, cpu, connections);
    else if (fn) result = await httpLoad(autocannon, `${gateway}/function/${fn.service}`, cpu, connections);
    else throw new BootstrapError(`unknown case "${key}" in BENCH_CASES (use a,e,r,b,c,p,d)`);
    results.push({ key, name: label[key], connections, ...result, cpu: cpu.perRequestUs(result.total) });
    say(
      `${label[key]}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms${result.errors ? `, ${result.errors} errors/non-2xx` : ''}`,
    );
  }

  printTable(results, rss, {
    connections: CONNECTIONS,
    body: BODY,
    duration: DURATION,
    warmup: WARMUP,
    loadBefore: LOAD_BEFORE,
    natsShared: NATS_SHARED,
  });
}

async function httpLoad(autocannon, url, cpu, connections) {
  const options = { url, method: 'POST', body: BODY, headers: { 'content-type': 'text/plain' }, connections, pipelining: 1 };
  if (RATE > 0) options.overallRate = RATE;
  if (WARMUP > 0) await autocannon({ ...options, duration: WARMUP });
  cpu.start();
  const r = await autocannon({ ...options, duration: DURATION });
  cpu.stop();
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    total: r.requests.total,
  };
}

/** CONNECTIONS concurrent request loops over NATS for DURATION seconds. */
async function natsLoad(nc, subject, cpu) {
  const body = new TextEncoder().encode(BODY);
  const run = async (seconds, latencies) => {
    const end = Date.now() + seconds * 1000;
    let errors = 0;
    const loop = async () => {
      while (Date.now() < end) {
        const t = process.hrtime.bigint();
        try {
          await nc.request(subject, body, { timeout: 5000 });
          latencies?.push(Number(process.hrtime.bigint() - t) / 1e6);
        } catch {
          errors += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, loop));
    return errors;
  };
  if (WARMUP > 0) await run(WARMUP);
  const latencies = [];
  const started = Date.now();
  cpu.start();
  const errors = await run(DURATION, latencies);
  cpu.stop();
  const seconds = (Date.now() - started) / 1000;
  latencies.sort((x, y) => x - y);
  const pct = (p) => (latencies.length ? round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]) : NaN);
  return { rps: latencies.length / seconds, p50: pct(50), p99: pct(99), errors, total: latencies.length };
}

async function deployAndWait(gateway, spec, auth) {
  const res = await fetch(`${gateway}/system/functions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify(spec),
  });
  if (res.status >= 300) throw new BootstrapError(`deploy ${spec.service}: ${res.status} ${await res.text()}`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const call = await fetch(`${gateway}/function/${spec.service}`, { method: 'POST', body: BODY }).catch(() => undefined);
    const text = call ? await call.text() : '';
    if (call?.status === 200) {
      if (!text.includes('Hello')) say(`warning: ${spec.service} answers "${text.slice(0, 80)}"`);
      break;
    }
    if (Date.now() > deadline)
      throw new BootstrapError(`${spec.service} did not answer 200 within 60 s (last: ${call?.status} ${text.slice(0, 200)})`);
    await sleep(250);
  }
  say(`deployed ${spec.service}`);
}

function round(n) {
  return Math.round(n * 100) / 100;
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

runBenchmark('bench', main, { cleanups, natsServer: () => natsStarted, say, after: runSections });
