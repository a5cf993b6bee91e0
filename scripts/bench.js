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
const { spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { BootstrapError, freePort } = require('./lib/infra');
const { installIfMissing, buildUnlessSkipped } = require('./lib/prepare');
const { ServiceRunner } = require('./lib/service-runner');
const { BENCH_SANDBOX_HOST_PATHS, REPO_ROOT } = require('./lib/paths');
const { deleteStreams, openBenchBus, startChild, runBenchmark } = require('./lib/bench-platform');
const { serviceEnv } = require('./lib/services');

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
/**
 * Issue #15's goals: each Skiff case against its baseline in the same run (`rps` at least that many
 * times the baseline's req/s, `p50` at most that many times its median latency).
 */
const GOALS = {
  b: { baseline: 'r', rps: 0.8, p50: 1.3 },
  c: { baseline: 'r', rps: 0.6 },
  d: { baseline: 'p', rps: 0.8 },
};
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
    const own = {
      ...common,
      ...nats.env(name),
      [`SKIFF_${name.toUpperCase()}_PORT`]: String(ports[name]),
      ...(name === 'gateway' ? { SKIFF_GATEWAY_METRICS_PORT: '0' } : {}),
    };
    const runner = new ServiceRunner(name, { env: serviceEnv(name, process.env, own), out: null }).start();
    services[name] = runner;
    cleanups.push(() => runner.stop(20_000));
    await waitHealthy(name, `http://127.0.0.1:${ports[name]}/healthz`, runner);
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

  printTable(results, rss);
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const CLK_TCK = 100;

/** CPU ms used so far by a process alone (its replicas are the provider's children: counted apart). */
function ownCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return 0;
  }
}

/** CPU ms used so far by a process and its children (reaped ones included), from /proc. */
function treeCpuMs(pid, seen = new Set()) {
  if (!pid || seen.has(pid)) return 0;
  seen.add(pid);
  let total = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime are fields 14-17 (1-based), i.e. 11-14 after the comm.
    total += ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) / CLK_TCK;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean)) {
        total += treeCpuMs(Number(child), seen);
      }
    }
  } catch {
    // gone or not readable
  }
  return total;
}

/** The provider alone; every other process with its children. */
const cpuOf = (label, pid) => (label === 'provider' ? ownCpuMs(pid) : treeCpuMs(pid));

/** CPU time of a few process trees (and of this load generator) over the measured part of a case. */
class CpuMeter {
  constructor(pids) {
    this.pids = Object.fromEntries(Object.entries(pids).filter(([, pid]) => pid));
  }
  start() {
    this.before = Object.fromEntries(Object.entries(this.pids).map(([k, pid]) => [k, cpuOf(k, pid)]));
    this.self = process.cpuUsage();
  }
  stop() {
    this.used = Object.fromEntries(Object.entries(this.pids).map(([k, pid]) => [k, cpuOf(k, pid) - this.before[k]]));
    const self = process.cpuUsage(this.self);
    this.used['load generator'] = (self.user + self.system) / 1000;
  }
  /** Microseconds of CPU per completed request, by process. */
  perRequestUs(requests) {
    if (!this.used || !requests) return {};
    return Object.fromEntries(Object.entries(this.used).map(([k, ms]) => [k, (ms * 1000) / requests]));
  }
}

/** pid of the process listening on a local TCP port (Linux /proc), or undefined. */
function pidListeningOn(port) {
  const inodes = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols.length > 9 && cols[3] === '0A' && parseInt(cols[1].split(':').pop(), 16) === port) inodes.add(cols[9]);
      }
    } catch {
      // no such table
    }
  }
  if (!inodes.size) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds = [];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // not ours to read, or gone
    }
    for (const fd of fds) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue; // closed meanwhile
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1])) return Number(entry);
    }
  }
  return undefined;
}

/** Idle resident memory of a process, in kB (VmRSS). */
/** Resident memory of a process, with its children when `tree` (a replica is a sandbox: bubblewrap, its init, the watchdog, the function). */
function rssKb(pid, tree = false, seen = new Set()) {
  if (!pid || seen.has(pid)) return 0;
  seen.add(pid);
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    let total = match ? Number(match[1]) : 0;
    if (!tree) return total;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean))
        total += rssKb(Number(child), true, seen) ?? 0;
    }
    return total;
  } catch {
    return undefined;
  }
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

function printTable(results, rss) {
  const byKey = Object.fromEntries(results.map((r) => [r.key, r]));
  const direct = byKey.a;
  const rows = [['case', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'vs (a)', '× baseline', 'p50 ×', 'goal', 'met', 'errors']];
  const verdicts = [];
  for (const r of results) {
    if (!r.total) {
      rows.push([
        r.name,
        String(r.connections ?? CONNECTIONS),
        '0',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        '-',
        `${r.errors} (no request completed)`,
      ]);
      continue;
    }
    const goal = GOALS[r.key];
    const base = goal && byKey[goal.baseline];
    let ratio = '-';
    let p50x = '-';
    let goalText = '-';
    let met = '-';
    if (goal) {
      goalText = `≥ ${goal.rps} × (${goal.baseline})${goal.p50 ? `, p50 ≤ ${goal.p50} ×` : ''}`;
      if (base?.total) {
        const x = r.rps / base.rps;
        const px = base.p50 > 0 ? r.p50 / base.p50 : NaN;
        ratio = `${x.toFixed(2)} ×`;
        p50x = Number.isFinite(px) ? `${px.toFixed(2)} ×` : '-';
        const ok = x >= goal.rps && (!goal.p50 || px <= goal.p50);
        met = ok ? 'met' : 'NOT met';
        verdicts.push(`${r.name}: ${x.toFixed(2)} × (${goal.baseline})${goal.p50 ? `, p50 ${p50x}` : ''} — goal ${goalText}: ${met}`);
      } else met = `no (${goal.baseline}) in this run`;
    }
    rows.push([
      r.name,
      String(r.connections ?? CONNECTIONS),
      r.rps.toFixed(0),
      String(r.p50),
      String(r.p99),
      direct ? `${((r.rps / direct.rps) * 100).toFixed(1)}%` : '-',
      ratio,
      p50x,
      goalText,
      met,
      String(r.errors),
    ]);
  }
  const table = (data) => {
    const widths = data[0].map((_, i) => Math.max(...data.map((row) => row[i].length)));
    const line = (row) => `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
    return [
      line(data[0]),
      `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
      ...data.slice(1).map(line),
    ].join('\n');
  };
  const os = require('node:os');
  const fmt = (l) => l.map((x) => x.toFixed(2)).join(' ');
  const busy = LOAD_BEFORE[0] > os.cpus().length * 0.5 ? '  ← the machine was busy: compare ratios and CPU per call, not req/s' : '';
  process.stdout.write(
    `\nSkiff benchmark — ${new Date().toISOString()} — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n` +
      `load average before the run: ${fmt(LOAD_BEFORE)}, after: ${fmt(os.loadavg())}${busy}\n` +
      `POST "${BODY}", keep-alive connections as listed, ${DURATION} s per case (after ${WARMUP} s warm-up); ` +
      `baselines: (r) relay for (b) and (c), (p) forker for (d)\n\n` +
      `${table(rows)}\n\n${verdicts.map((v) => `  ${v}`).join('\n')}\n\n` +
      `CPU per request (µs, measured part only; "front" is the gateway or the baseline's http server, "behind" the replica ` +
      `or what answers behind the front; a process tree includes its children, the provider is counted alone${NATS_SHARED ? '; nats-server is shared with other clients' : ''}):\n\n` +
      `${table(cpuRows(results))}\n\nIdle RSS (before load; a replica with everything in its sandbox):\n\n` +
      `${table([['process', 'pid', 'RSS MB'], ...rss.map((p) => [p.name, String(p.pid ?? '-'), p.kb ? (p.kb / 1024).toFixed(1) : '-'])])}\n`,
  );
}

function cpuRows(results) {
  const columns = ['gateway', 'function', 'nats-server', 'provider', 'load generator'];
  const rows = [['case', 'front', 'behind', 'nats-server', 'provider', 'load generator', 'total', 'platform', 'platform × baseline']];
  // "platform": what serves the call (everything but the load generator), the steadier figure on a shared machine.
  const platform = (r) => Object.entries(r.cpu).reduce((a, [k, v]) => (k === 'load generator' ? a : a + v), 0);
  const byKey = Object.fromEntries(results.map((r) => [r.key, r]));
  for (const r of results) {
    const cells = columns.map((c) => (r.cpu[c] === undefined ? '-' : r.cpu[c].toFixed(0)));
    const total = Object.values(r.cpu).reduce((a, b) => a + b, 0);
    const base = GOALS[r.key] && byKey[GOALS[r.key].baseline];
    const versus = base?.total && r.total ? `${(platform(r) / platform(base)).toFixed(2)} ×` : '-';
    rows.push([r.name, ...cells, r.total ? total.toFixed(0) : '-', r.total ? platform(r).toFixed(0) : '-', versus]);
  }
  return rows;
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

async function waitHealthy(name, url, runner) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!runner.running) throw new BootstrapError(`${name} exited during start:\n  ${runner.tail.slice(-20).join('\n  ')}`);
    const res = await fetch(url).catch(() => undefined);
    if (res?.status === 200) return;
    if (Date.now() > deadline) throw new BootstrapError(`${name} not healthy within 60 s:\n  ${runner.tail.slice(-20).join('\n  ')}`);
    await sleep(200);
  }
}

/** Removes the streams and KV buckets this run created on a shared NATS. */

function round(n) {
  return Math.round(n * 100) / 100;
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Sections run after the HTTP cases, each its own script on the same build (BENCH_SECTIONS: names, or "none"). */
const SECTIONS = { async: 'bench-async.js', triggers: 'bench-triggers.js' };

function runSections() {
  const wanted = (process.env.BENCH_SECTIONS ?? Object.keys(SECTIONS).join(',')).split(',').map((s) => s.trim());
  for (const name of wanted.filter((w) => SECTIONS[w])) {
    const run = spawnSync(process.execPath, [join(__dirname, SECTIONS[name])], {
      stdio: 'inherit',
      env: { ...process.env, SKIFF_SKIP_BUILD: '1' },
    });
    if (run.status !== 0) process.exitCode = 1;
  }
}

runBenchmark('bench', main, { cleanups, natsServer: () => natsStarted, say, after: runSections });
