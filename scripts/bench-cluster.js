#!/usr/bin/env node
'use strict';
// Cluster benchmark (`node scripts/bench-cluster.js`): the same platform on one nats-server (R1) and on a
// three-server cluster on this machine (R3, SKIFF_JS_REPLICAS=3), in the same run:
//   sync       POST /function/<fn> through the gateway, BENCH_CONCURRENCY at once for BENCH_DURATION s: calls/s
//   async      BENCH_ASYNC_CALLS calls with callbacks, two queue-workers: accepted/s and completed/s
// and on the cluster only:
//   node loss  50 sync and 50 async calls a second (open loop) while the server leading <P>_ASYNC is
//              SIGKILLed: failed calls, when calls work again, whether every accepted call is called back
//   provider   the active provider SIGKILLed with a standby running: time until a deploy is accepted again
// The function is a trivial replica answering over NATS from this process (what a watchdog does), so the
// numbers are the gateway + NATS/JetStream + queue-worker path. Each throughput case also prints the CPU
// its processes spent per call (from /proc: steadier than calls/s on a shared machine), and the summary
// gives cluster / single ratios from the same run. Environment: BENCH_DURATION (s, default 8),
// BENCH_CONCURRENCY (32), BENCH_ASYNC_CALLS (3000), SKIFF_SKIP_BUILD=1. `npm run bench:cluster`.
const { createServer } = require('node:http');
const os = require('node:os');
const { randomBytes, randomUUID } = require('node:crypto');
const { installIfMissing, buildUnlessSkipped } = require('./lib/prepare');
const { runBenchmark } = require('./lib/bench-platform');
const { REPO_ROOT } = require('./lib/paths');
const { cpuMeter, cpuText, loops, startClusterPlatform } = require('./bench/cluster-platform');

const DURATION = Number(process.env.BENCH_DURATION || 8) * 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 32);
const ASYNC_CALLS = Number(process.env.BENCH_ASYNC_CALLS || 3000);
/** During a loss, one sync and one async call are started every this many ms (50 of each per second). */
const FAILURE_TICK_MS = 20;
const FN = 'bench';
const say = (text) => process.stdout.write(`[bench-cluster] ${text}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const platform = (nodes, label) => startClusterPlatform(nodes, label, { say, cleanups, fn: FN });
const cleanups = [];
const results = {};

async function measure(nodes, label) {
  const { Pool } = require('undici');
  const p = await platform(nodes, label);
  const pool = new Pool(p.gateway.url, { connections: CONCURRENCY });
  cleanups.push(() => pool.close());
  const post = (path, body, headers = {}, timeoutMs = 70_000) =>
    pool
      .request({ method: 'POST', path, body, headers: { authorization: p.admin, ...headers }, signal: AbortSignal.timeout(timeoutMs) })
      .then(
        async (res) => ({ status: res.statusCode, text: await res.body.text() }),
        () => ({ status: 0, text: '' }),
      );
  // A deploy that does not answer within 15 s counts as refused (status 0).
  const deploy = (name) =>
    post(
      `/system/functions`,
      JSON.stringify({ service: name, image: 'bench/none', labels: { 'com.openfaas.scale.zero': 'false' } }),
      { 'content-type': 'application/json' },
      15_000,
    );
  // 0 replicas wanted from the provider: the replica is this process.
  const first = await deploy(FN);
  if (first.status >= 300) throw new Error(`deploying ${FN} on the ${label} platform answered ${first.status}: ${first.text}`);

  // A short warm-up (connections, JIT, the gateway's function cache), not measured.
  const warm = Date.now() + 1000;
  await loops(
    CONCURRENCY,
    () => Date.now() > warm,
    () => post(`/function/${FN}`, 'x'),
  );
  const end = Date.now() + DURATION;
  let ok = 0;
  let syncFailed = 0;
  const syncCpu = cpuMeter(p.processes());
  await loops(
    CONCURRENCY,
    () => Date.now() > end,
    async () => ((await post(`/function/${FN}`, 'x')).status === 200 ? ok++ : syncFailed++),
  );
  const sync = ok / (DURATION / 1000);
  const syncCpuPerCall = syncCpu.perCall(ok);

  const callbacks = new Set();
  const receiver = createServer((req, res) => {
    callbacks.add(req.headers['x-call-id']);
    req.resume();
    req.on('end', () => res.end());
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => receiver.close(r)));
  const cb = `http://127.0.0.1:${receiver.address().port}/cb`;
  const asyncCpu = cpuMeter(p.processes());
  const t0 = Date.now();
  let next = 0;
  let accepted = 0;
  await loops(
    CONCURRENCY,
    () => next >= ASYNC_CALLS,
    async () => {
      next++;
      if ((await post(`/async-function/${FN}`, 'x', { 'x-callback-url': cb })).status === 202) accepted++;
    },
  );
  const t1 = Date.now();
  while (callbacks.size < accepted && Date.now() - t1 < 120_000) await sleep(50);
  const t2 = Date.now();
  const asyncCpuPerCall = asyncCpu.perCall(callbacks.size);
  results[label] = {
    sync,
    accepted: accepted / ((t1 - t0) / 1000),
    completed: callbacks.size / ((t2 - t0) / 1000),
    syncCpu: syncCpuPerCall,
    asyncCpu: asyncCpuPerCall,
  };
  say(`${label}: sync ${sync.toFixed(0)}/s (${ok} answered, ${syncFailed} failed); ${cpuText(syncCpuPerCall)}`);
  say(
    `${label}: async ${accepted} of ${ASYNC_CALLS} accepted at ${results[label].accepted.toFixed(0)}/s, ${callbacks.size} called back at ${results[label].completed.toFixed(0)}/s (from the first submission); ${cpuText(asyncCpuPerCall)}`,
  );
  if (nodes > 1) await failures(p, post, deploy, label, cb, callbacks);
}

/** Node loss and provider loss on the cluster. */
async function failures(p, post, deploy, label, cb, callbacks) {
  const outcomes = [];
  const acceptedIds = [];
  let loading = true;
  let killedAt = Infinity;
  // Open loop: a sync and an async call every FAILURE_TICK_MS whatever the earlier ones do, so a call
  // that hangs does not hide whether the calls started after it work (a closed loop would wait on it).
  const { Pool } = require('undici');
  const pool = new Pool(p.gateway.url, { connections: 1024 });
  const call = (path, headers) =>
    pool
      .request({ method: 'POST', path, body: 'x', headers: { authorization: p.admin, ...headers }, signal: AbortSignal.timeout(70_000) })
      .then(
        async (res) => ({ status: res.statusCode, text: await res.body.text() }),
        () => ({ status: 0, text: '' }),
      );
  const inFlight = new Set();
  const fire = (kind) => {
    const id = randomUUID();
    const started = Date.now();
    const done = (
      kind === 'sync' ? call(`/function/${FN}`, {}) : call(`/async-function/${FN}`, { 'x-call-id': id, 'x-callback-url': cb })
    ).then((res) => {
      const ok = res.status === (kind === 'sync' ? 200 : 202);
      if (ok && kind === 'async') acceptedIds.push(id);
      outcomes.push({ kind, at: started, ms: Date.now() - started, ok, status: res.status });
      inFlight.delete(done);
    });
    inFlight.add(done);
  };
  const ticker = setInterval(() => {
    if (!loading) return;
    fire('sync');
    fire('async');
  }, FAILURE_TICK_MS);
  const load = (async () => {
    while (loading) await sleep(100);
    clearInterval(ticker);
    await Promise.all([...inFlight]);
    await pool.close();
  })();
  /** A call of `kind` started after the kill answered well, and none started later failed. */
  const recovered = (kind) => {
    const mine = outcomes.filter((o) => o.kind === kind && o.at > killedAt);
    const lastFail = Math.max(0, ...mine.filter((o) => !o.ok).map((o) => o.at));
    return mine.some((o) => o.ok && o.at > lastFail);
  };
  await sleep(2000);
  const leader = (await p.jsm.streams.info(p.subjects.asyncStream)).cluster?.leader ?? 'skiff_0';
  const node = p.bus.nodes[Number(leader.replace('skiff_', ''))];
  killedAt = Date.now();
  await node.kill('SIGKILL');
  // Load for at least 15 s, until both kinds of call work again (at most two minutes), then five seconds
  // more; the calls still in flight then are waited for and counted (the recovery is computed from all).
  await sleep(15_000);
  while (!(recovered('sync') && recovered('async')) && Date.now() - killedAt < 120_000) await sleep(100);
  await sleep(5000);
  loading = false;
  await load;
  results.nodeLoss = {};
  for (const kind of ['sync', 'async']) {
    const before = outcomes.filter((o) => o.kind === kind && o.at < killedAt - 500);
    const after = outcomes.filter((o) => o.kind === kind && o.at + o.ms >= killedAt);
    const failed = after.filter((o) => !o.ok);
    // Recovered: from the first call started after the kill that answered well, every later one did too.
    const lastFailStart = Math.max(killedAt, ...failed.map((o) => o.at));
    const firstOk = after.filter((o) => o.ok && o.at > lastFailStart).sort((a, b) => a.at - b.at)[0];
    const lastFailEnd = failed.length ? Math.max(...failed.map((o) => o.at + o.ms)) - killedAt : 0;
    const slowest = after.length ? Math.max(...after.map((o) => o.ms)) : 0;
    const statuses = [...new Set(failed.map((o) => o.status))].join(', ');
    const p50 = (list) => list.map((o) => o.ms).sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? 0;
    const recoveredMs = firstOk ? firstOk.at + firstOk.ms - killedAt : undefined;
    results.nodeLoss[kind] = { failed: failed.length, of: after.length, lastFailureEndMs: lastFailEnd, recoveredMs, slowestMs: slowest };
    say(
      `${label}: node ${node.index} (leader of the async stream) SIGKILLed, ${kind} calls: ${failed.length} of ${after.length} failed` +
        (failed.length ? ` (status ${statuses}; the last one ended ${lastFailEnd} ms after the kill)` : '') +
        `; calls work again (every call started from then on answered well) ${recoveredMs === undefined ? 'never' : `${recoveredMs} ms after the kill`}` +
        `; slowest call ${slowest} ms (median before the kill ${p50(before)} ms)`,
    );
  }
  // Calls accepted around the loss: are they all called back?
  const waitUntil = Date.now() + 60_000;
  while (acceptedIds.some((id) => !callbacks.has(id)) && Date.now() < waitUntil) await sleep(200);
  const missing = acceptedIds.filter((id) => !callbacks.has(id)).length;
  results.nodeLoss.asyncAcceptedNotCalledBack = missing;
  say(`${label}: of the ${acceptedIds.length} async calls accepted during that phase, ${missing} not called back within 60 s`);

  // The node back, and every copy of the async stream current again, before the next loss.
  await node.start();
  const healed = Date.now();
  while (Date.now() - healed < 120_000) {
    const info = await p.jsm.streams.info(p.subjects.asyncStream).catch(() => undefined);
    const replicas = info?.cluster?.replicas ?? [];
    if (info?.cluster?.leader && replicas.length === 2 && replicas.every((r) => r.current)) break;
    await sleep(250);
  }
  say(`${label}: node ${node.index} restarted, the async stream's copies current again after ${Date.now() - healed} ms`);

  // The active one: the node loss may have moved the lease (a leader that cannot renew steps down).
  const health = async (svc) => {
    const res = await fetch(`${svc.url}/healthz`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    if (res?.status !== 200) return undefined;
    return (await res.json().catch(() => ({}))).status === 'standby' ? 'standby' : 'serving';
  };
  let active;
  for (const waited = Date.now(); !active && Date.now() - waited < 30_000; await sleep(250))
    for (const svc of [p.provider, p.standby]) if (svc.runner.running && (await health(svc)) === 'serving') active = svc;
  if (!active) throw new Error('no active provider to kill');
  const other = active === p.provider ? p.standby : p.provider;
  say(
    `${label}: the active provider is ${active === p.provider ? 'provider-a' : 'provider-b'}; the other is ${other.runner.running ? await health(other) : 'not running'}`,
  );
  const killed = Date.now();
  active.runner.child.kill('SIGKILL');
  let deployed = 0;
  const refusals = []; // status 0: no answer within the deploy's 15 s
  for (let i = 0; !deployed && Date.now() - killed < 60_000; i++) {
    const t = Date.now();
    const res = await deploy(`after${i}`);
    if (res.status >= 200 && res.status < 300) deployed = Date.now();
    else {
      refusals.push(`${res.status} after ${Date.now() - t} ms`);
      await sleep(100);
    }
  }
  const refused = refusals.length
    ? ` (${refusals.length} refused before: ${refusals.slice(0, 5).join(', ')}${refusals.length > 5 ? ', …' : ''})`
    : '';
  say(
    `${label}: active provider SIGKILLed: ${deployed ? `a deploy was accepted again after ${deployed - killed} ms` : 'no deploy accepted within 60 s'}${refused}; lease ${process.env.SKIFF_LEADER_LEASE_MS || 5000} ms`,
  );
  results.providerLoss = { ms: deployed ? deployed - killed : undefined };
}

async function main() {
  process.chdir(REPO_ROOT);
  installIfMissing(say);
  buildUnlessSkipped(say);
  process.env.SKIFF_ADMIN_PASSWORD ||= randomBytes(12).toString('hex');
  const load = os.loadavg()[0];
  say(
    `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${load.toFixed(1)} at start` +
      (load > os.cpus().length * 0.5 ? ': the machine is busy, compare the ratios and the CPU per call, not the rates' : ''),
  );
  await measure(1, 'one server R1');
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
  await measure(3, 'three servers R3');
  const [one, three] = [results['one server R1'], results['three servers R3']];
  const pct = (a, b) => `${((a / b) * 100).toFixed(0)} %`;
  say(
    `cluster / single, throughput: sync ${pct(three.sync, one.sync)}, async accepted ${pct(three.accepted, one.accepted)}, completed ${pct(three.completed, one.completed)}`,
  );
  say(
    `cluster / single, CPU per call (all processes): sync ${pct(three.syncCpu.total, one.syncCpu.total)}, async ${pct(three.asyncCpu.total, one.asyncCpu.total)}; nats-server alone: sync ${pct(three.syncCpu.nats, one.syncCpu.nats)}, async ${pct(three.asyncCpu.nats, one.asyncCpu.nats)}`,
  );
  say(`load average ${os.loadavg()[0].toFixed(1)} at the end`);
}

runBenchmark('bench-cluster', main, { cleanups, natsServer: () => undefined, say });
