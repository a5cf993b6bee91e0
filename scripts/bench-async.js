#!/usr/bin/env node
'use strict';
// Async section of the benchmark (`node scripts/bench-async.js`; `npm run bench` runs it after the HTTP
// cases). Cases f and g run a baseline first, scripts/bench/bare-async.js: a plain Node process that
// publishes each POST to a JetStream file stream and answers 202 after the ack, and (for g) two more
// that consume the stream, request the function and POST the callback: no call state, retries or framework.
//   (f) accepted    POST /async-function/<fn> at the gateway, BENCH_CONNECTIONS keep-alive connections,
//                   no queue-worker running: 202s per second (each one stored in the file-backed stream)
//   (g) completed   BENCH_ASYNC_CALLS calls submitted with a callback while two queue-workers run:
//                   completed calls per second, first submission to last callback
//   (h) crash run   BENCH_ASYNC_CRASH_CALLS (10,000) calls with callbacks; one of the two queue-workers is
//                   killed with SIGKILL halfway; counts callbacks by call id and prints lost / duplicated
// The function is a trivial replica answering over NATS from this process (what a watchdog does), so
// the numbers are the gateway + JetStream + queue-worker path. Starts its own gateway and workers with a
// unique subject prefix and removes its streams at the end.
// Each case also prints the CPU time its processes spent per call (from /proc; steadier than the rate
// on a shared machine). The NATS server's share is shown only when this script started it (point
// SKIFF_NATS_URL at a free local port to get a private one).
// Environment: BENCH_DURATION (s), BENCH_CONNECTIONS, BENCH_ASYNC_CALLS, BENCH_ASYNC_CRASH_CALLS,
// BENCH_ASYNC_CASES (e.g. "f,g"), SKIFF_SKIP_BUILD=1, SKIFF_NATS_URL.
const { createServer } = require('node:http');
const { randomBytes } = require('node:crypto');
const { join } = require('node:path');
const { freePort } = require('./lib/infra');
const { installIfMissing, buildUnlessSkipped } = require('./lib/prepare');
const { openBenchBus, startHealthyService, startChild, deleteStreams, runBenchmark } = require('./lib/bench-platform');
const { REPO_ROOT } = require('./lib/paths');
const { cpuSeconds } = require('./lib/proc-stats');

const DURATION = Number(process.env.BENCH_DURATION || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 50);
const CALLS = Number(process.env.BENCH_ASYNC_CALLS || 5000);
const CRASH_CALLS = Number(process.env.BENCH_ASYNC_CRASH_CALLS || 10_000);
const CASES = (process.env.BENCH_ASYNC_CASES || 'f,g,h').split(',').map((c) => c.trim());
const BARE_ASYNC = join(__dirname, 'bench', 'bare-async.js');
const FN = 'hello-async';
const NS = 'openfaas-fn';

/** Starts counting the CPU of `processes` ({label: pid}); `perCall(n)` gives ms of CPU per call for each. */
function cpuMeter(processes) {
  const start = Object.fromEntries(Object.entries(processes).map(([label, pid]) => [label, cpuSeconds(pid)]));
  return (calls) =>
    Object.entries(processes)
      .map(([label, pid]) => {
        const used = (cpuSeconds(pid) ?? NaN) - start[label];
        return Number.isFinite(used) ? `${label} ${((used * 1000) / calls).toFixed(3)}` : undefined;
      })
      .filter(Boolean)
      .join(', ') + ' ms CPU/call';
}

const say = (text) => process.stdout.write(`[bench-async] ${text}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cleanups = [];
let natsStarted;

async function main() {
  process.chdir(REPO_ROOT);
  installIfMissing(say);
  buildUnlessSkipped(say);
  const autocannon = require('autocannon');
  const { Pool } = require('undici');
  const { connect } = require('nats');
  const dist = (p) => require(join(REPO_ROOT, 'dist', 'libs', p));
  const { SubjectRegistry } = dist('contracts/src/subjects.js');
  const { decodeInvokeRequest, encodeInvokeResponse } = dist('invoke/src/invoke-codec.js');

  const prefix = `bencha${randomBytes(4).toString('hex')}`;
  const nats = await openBenchBus(prefix, say);
  natsStarted = nats.started;
  const subjects = new SubjectRegistry(prefix);
  const nc = await connect(nats.connectOptions({ name: 'bench-async' }));
  cleanups.push(() => deleteStreams(nc, subjects).finally(() => nc.close()));

  // The function: registry record (as the provider writes it) and a replica answering from here.
  const now = new Date().toISOString();
  const kv = await nc.jetstream().views.kv(subjects.functionsBucket, { history: 1 });
  const record = {
    spec: { service: FN, image: 'bench', namespace: NS, annotations: { 'com.openfaas.queue.max_inflight': '256' } },
    replicas: 1,
    createdAt: now,
    updatedAt: now,
  };
  await kv.put(subjects.functionKey(NS, FN), new TextEncoder().encode(JSON.stringify(record)));
  const hello = new TextEncoder().encode('Hello, World!');
  nc.subscribe(subjects.invoke(NS, FN), {
    queue: subjects.queues.invoke(NS, FN),
    callback: (_err, msg) => {
      decodeInvokeRequest(msg);
      const { headers, data } = encodeInvokeResponse({ status: 200, headers: { 'content-type': 'text/plain' }, body: hello });
      msg.respond(data, { headers });
    },
  });

  // The baseline: its stream, a durable consumer, a plain responder, and a way to start its processes (accepting only, or consuming too).
  const bare = {
    stream: `${subjects.streamPrefix}_BARE`,
    subject: `${prefix}.bare.calls`,
    invoke: `${prefix}.bare.invoke`,
    durable: 'bare',
  };
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: bare.stream, subjects: [bare.subject], storage: 'file', duplicate_window: 120 * 1e9 });
  await jsm.consumers.add(bare.stream, { durable_name: bare.durable, ack_policy: 'explicit', max_ack_pending: 256, ack_wait: 5 * 1e9 });
  nc.subscribe(bare.invoke, { callback: (_err, msg) => msg.respond(hello) });
  const startBare = async (consume) => {
    const port = await freePort();
    const env = {
      ...nats.childEnv,
      SUBJECT: bare.subject,
      STREAM: bare.stream,
      DURABLE: bare.durable,
      INVOKE_SUBJECT: bare.invoke,
      CONSUME: consume ? '1' : '0',
      PORT: String(port),
    };
    const { child } = await startChild('bare-async', process.execPath, [BARE_ASYNC], env, /^listening/, cleanups);
    return { url: `http://127.0.0.1:${port}`, pid: child.pid };
  };

  // Callback receiver counting by call id.
  const seen = new Map();
  let lastCallbackAt = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = req.headers['x-call-id'];
      seen.set(id, (seen.get(id) ?? 0) + 1);
      lastCallbackAt = Date.now();
      res.end();
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => receiver.close(r)));
  const callbackUrl = `http://127.0.0.1:${receiver.address().port}/cb`;

  // The callback receiver listens on 127.0.0.1, which callbacks may reach only when allowed.
  const common = { SKIFF_NATS_URL: nats.url, SKIFF_SUBJECT_PREFIX: prefix, SKIFF_LOG_LEVEL: 'warn', SKIFF_CALLBACK_ALLOW: '127.0.0.1/32' };
  const gatewayPort = await freePort();
  const gatewayRunner = await startHealthyService('gateway', { ...common, SKIFF_GATEWAY_PORT: String(gatewayPort) }, gatewayPort, cleanups);
  const gateway = `http://127.0.0.1:${gatewayPort}`;
  const workerEnv = (port) => ({
    ...common,
    SKIFF_QUEUE_WORKER_PORT: String(port),
    SKIFF_QUEUE_ACK_WAIT_MS: '5000',
    SKIFF_QUEUE_RETRY_MIN_WAIT_MS: '200',
  });
  const purge = async () => {
    await jsm.streams.purge(bare.stream).catch(() => undefined);
    await jsm.streams.purge(subjects.asyncStream).catch(() => undefined);
    await jsm.streams.purge(`KV_${subjects.asyncResultsBucket}`).catch(() => undefined);
  };

  const rows = [];
  const platformPids = () => ({
    gateway: gatewayRunner.pid,
    ...Object.fromEntries(workers.filter((w) => w.running).map((w) => [w.label, w.pid])),
    ...(natsStarted ? { 'nats-server': natsStarted.pid } : {}),
    bench: process.pid,
  });
  const workers = [];
  /** Issue #15's async goals, met or not in this run. */
  const goals = [];
  const ratio = (value, base) => (base > 0 ? `${((100 * value) / base).toFixed(1)}% of baseline` : 'no baseline');
  if (CASES.includes('f')) {
    const accept = async (url, pids) => {
      const options = { url, method: 'POST', body: 'Hello, World!', connections: CONNECTIONS, pipelining: 1 };
      await autocannon({ ...options, duration: 1 });
      const cpu = cpuMeter(pids);
      const r = await autocannon({ ...options, duration: DURATION });
      return {
        rate: r.requests.average,
        detail: `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${r.non2xx + r.errors + r.timeouts} errors; ${cpu(r.requests.total)}`,
      };
    };
    const baseline = await startBare(false);
    const b = await accept(baseline.url, { 'bare-async': baseline.pid, bench: process.pid });
    rows.push(['(f0) baseline: plain HTTP server + JetStream publish', b.rate.toFixed(0), b.detail]);
    say(rows.at(-1).join(': '));
    await purge();
    const s = await accept(`${gateway}/async-function/${FN}`, platformPids());
    rows.push(['(f) accepted at the gateway (202/s)', s.rate.toFixed(0), `${ratio(s.rate, b.rate)}; ${s.detail}`]);
    goals.push(`(f) accepted: ${(s.rate / b.rate).toFixed(2)} × (f0) — goal ≥ 1.0 ×: ${s.rate >= b.rate ? 'met' : 'NOT met'}`);
    say(rows.at(-1).join(': '));
    await purge();
  }

  if (CASES.includes('g') || CASES.includes('h')) {
    for (const label of ['worker-1', 'worker-2']) {
      const port = await freePort();
      workers.push(await startHealthyService('queue-worker', workerEnv(port), port, cleanups, label));
    }
  }
  const pool = new Pool(gateway, { connections: CONNECTIONS, pipelining: 1 });
  cleanups.push(() => pool.close());
  const submitMany = async (count, onAccepted, to = { pool, path: `/async-function/${FN}` }) => {
    const ids = [];
    let next = 0;
    let failures = 0;
    const loop = async () => {
      while (next < count) {
        next += 1;
        try {
          const res = await to.pool.request({
            path: to.path,
            method: 'POST',
            body: 'Hello, World!',
            headers: { 'x-callback-url': callbackUrl },
          });
          await res.body.dump();
          if (res.statusCode === 202) {
            ids.push(res.headers['x-call-id']);
            onAccepted?.(ids.length);
          } else failures += 1;
        } catch {
          failures += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, loop));
    return { ids, failures };
  };
  const waitCallbacks = async (ids, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && ids.some((id) => !seen.has(id))) await sleep(100);
  };

  if (CASES.includes('g')) {
    const complete = async (pids, to) => {
      seen.clear();
      const cpu = cpuMeter(pids);
      const started = Date.now();
      const { ids, failures } = await submitMany(CALLS, undefined, to);
      await waitCallbacks(ids, 120_000);
      const done = ids.filter((id) => seen.has(id)).length;
      const seconds = (lastCallbackAt - started) / 1000;
      return {
        rate: done / seconds,
        detail: `${done}/${ids.length} callbacks in ${seconds.toFixed(1)} s, ${failures} submissions failed; ${cpu(done)}`,
      };
    };
    // Same shape as Skiff's: one process takes the calls, two run them.
    const front = await startBare(false);
    const consumers = [await startBare(true), await startBare(true)];
    const barePool = new Pool(front.url, { connections: CONNECTIONS, pipelining: 1 });
    cleanups.push(() => barePool.close());
    const pids = { 'bare-front': front.pid, 'bare-consumer-1': consumers[0].pid, 'bare-consumer-2': consumers[1].pid, bench: process.pid };
    const b = await complete(pids, { pool: barePool, path: '/' });
    rows.push([`(g0) baseline: the same, two consumer processes (${CALLS} calls)`, b.rate.toFixed(0), b.detail]);
    say(rows.at(-1).join(': '));
    await purge();
    const s = await complete(platformPids());
    rows.push([`(g) completed end to end (${CALLS} calls, 2 workers)`, s.rate.toFixed(0), `${ratio(s.rate, b.rate)}; ${s.detail}`]);
    const met = s.rate >= 2000 && s.rate >= 1.5 * b.rate;
    goals.push(
      `(g) completed: ${s.rate.toFixed(0)}/s, ${(s.rate / b.rate).toFixed(2)} × (g0) — goal ≥ 2,000/s and ≥ 1.5 ×: ${met ? 'met' : 'NOT met'}`,
    );
    say(rows.at(-1).join(': '));
    await purge();
  }

  if (CASES.includes('h')) {
    seen.clear();
    let killed = false;
    const { ids, failures } = await submitMany(CRASH_CALLS, (n) => {
      if (!killed && n >= CRASH_CALLS / 2) {
        killed = true;
        say(`SIGKILL worker-1 after ${n} accepted calls`);
        workers[0].killNow();
      }
    });
    await waitCallbacks(ids, 180_000);
    const lost = ids.filter((id) => !seen.has(id)).length;
    const duplicated = ids.reduce((sum, id) => sum + Math.max(0, (seen.get(id) ?? 0) - 1), 0);
    rows.push([
      `(h) ${CRASH_CALLS} calls, one worker SIGKILLed`,
      `lost ${lost}`,
      `duplicated ${duplicated} (same call id, redelivered after the crash), ${failures} submissions refused`,
    ]);
    say(rows.at(-1).join(': '));
  }

  const os = require('node:os');
  const width = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(
    `\nSkiff async benchmark — ${new Date().toISOString()} — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n` +
      `load average now: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; ${CONNECTIONS} keep-alive connections, trivial body and function\n\n` +
      rows.map((r) => `${r[0].padEnd(width)} | ${r[1].padStart(10)} | ${r[2]}`).join('\n') +
      '\n' +
      (goals.length ? `\n${goals.map((g) => `  ${g}`).join('\n')}\n` : ''),
  );
}

runBenchmark('bench-async', main, { cleanups, natsServer: () => natsStarted, say });
