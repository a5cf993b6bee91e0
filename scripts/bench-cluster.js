#!/usr/bin/env node
'use strict';
// Cluster benchmark (`node scripts/bench-cluster.js`): the same platform on one nats-server (R1) and on a
// three-server cluster on this machine (R3, SKIFF_JS_REPLICAS=3), in the same run:
//   sync       POST /function/<fn> through the gateway, BENCH_CONCURRENCY at once for BENCH_DURATION s: calls/s
//   async      BENCH_ASYNC_CALLS calls with callbacks, two queue-workers: accepted/s and completed/s
// and on the cluster only:
//   node loss  sync and async load while the server leading <P>_ASYNC is SIGKILLed: failed requests and
//              how long requests failed (first to last failure after the kill)
//   provider   the active provider SIGKILLed with a standby running: time until a deploy is accepted again
// The function is a trivial replica answering over NATS from this process (what a watchdog does), so the
// numbers are the gateway + NATS/JetStream + queue-worker path. Environment: BENCH_DURATION (s, default 8),
// BENCH_CONCURRENCY (32), BENCH_ASYNC_CALLS (3000), SKIFF_SKIP_BUILD=1.
const { createServer } = require('node:http');
const { readFileSync } = require('node:fs');
const { randomBytes, randomUUID } = require('node:crypto');
const { join } = require('node:path');
const { freePort } = require('./lib/infra');
const { installIfMissing, buildUnlessSkipped } = require('./lib/prepare');
const { startBus, platformCredentials } = require('./lib/bus');
const { startHealthyService, runBenchmark } = require('./lib/bench-platform');
const { REPO_ROOT } = require('./lib/paths');

const DURATION = Number(process.env.BENCH_DURATION || 8) * 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 32);
const ASYNC_CALLS = Number(process.env.BENCH_ASYNC_CALLS || 3000);
const FN = 'bench';
const say = (text) => process.stdout.write(`[bench-cluster] ${text}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cleanups = [];
const results = {};

/** Runs `task` in `width` loops until `until()` is true. */
async function loops(width, until, task) {
  await Promise.all(
    Array.from({ length: width }, async (_, lane) => {
      while (!until()) await task(lane);
    }),
  );
}

/** One platform on `nodes` servers: bus, provider(s), gateway, two queue-workers, the replica in this process. */
async function platform(nodes, label) {
  const { connect, credsAuthenticator } = require('nats');
  const dist = (p) => require(join(REPO_ROOT, 'dist', 'libs', p));
  const { SubjectRegistry } = dist('contracts/src/subjects.js');
  const { decodeInvokeRequest, encodeInvokeResponse } = dist('invoke/src/invoke-codec.js');
  const prefix = `benchc${randomBytes(4).toString('hex')}`;
  const subjects = new SubjectRegistry(prefix);
  const bus = await startBus({ ephemeral: true, nodes, log: say, limits: { maxFileBytes: 2 ** 34, maxMemoryBytes: 2 ** 28 } });
  cleanups.push(() => bus.started.stop());
  const creds = await platformCredentials(bus, prefix, join(bus.dir, 'creds'));
  const nc = await connect({
    servers: bus.url.split(','),
    authenticator: credsAuthenticator(new Uint8Array(readFileSync(creds.admin))),
    inboxPrefix: subjects.inboxPrefix('bench'),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  });
  cleanups.push(() => nc.close());
  const jsm = await nc.jetstreamManager();
  for (let i = 0; i < 100; i++)
    if (
      await jsm.getAccountInfo().then(
        () => true,
        () => false,
      )
    )
      break;
    else await sleep(200);

  const common = {
    SKIFF_NATS_URL: bus.url,
    SKIFF_SUBJECT_PREFIX: prefix,
    SKIFF_JS_REPLICAS: String(Math.min(3, nodes)),
    SKIFF_LOG_LEVEL: 'warn',
    SKIFF_CALLBACK_ALLOW: '127.0.0.1/32',
    SKIFF_DATA_DIR: join(bus.dir, 'data'),
  };
  const start = async (app, name, extra = {}) => {
    const port = await freePort();
    const portVar = `SKIFF_${app.toUpperCase().replace(/-/g, '_')}_PORT`;
    const env = { ...common, SKIFF_NATS_CREDS: creds.services[app], [portVar]: String(port), ...extra };
    if (app === 'provider') env.SKIFF_NATS_ISSUER_FILE = bus.issuerFile;
    const runner = await startHealthyService(app, env, port, cleanups, `${name} (${label})`);
    return { runner, url: `http://127.0.0.1:${port}` };
  };
  const provider = await start('provider', 'provider-a');
  const standby = nodes > 1 ? await start('provider', 'provider-b') : undefined;
  const gateway = await start('gateway', 'gateway');
  await start('queue-worker', 'queue-worker-a');
  await start('queue-worker', 'queue-worker-b');
  const admin = `Basic ${Buffer.from('admin:' + (process.env.SKIFF_ADMIN_PASSWORD || '')).toString('base64')}`;
  // The function: registered through the gateway (nobody runs a replica for an unknown host image
  // but this process), served here in its queue group.
  nc.subscribe(subjects.invoke('openfaas-fn', FN), {
    queue: subjects.queues.invoke('openfaas-fn', FN),
    callback: (_e, msg) => {
      const req = decodeInvokeRequest(msg);
      const { headers, data } = encodeInvokeResponse({ status: 200, headers: {}, body: req.body });
      msg.respond(data, { headers });
    },
  });
  return { bus, nc, jsm, subjects, provider, standby, gateway, admin };
}

async function measure(nodes, label) {
  const { Pool } = require('undici');
  const p = await platform(nodes, label);
  const pool = new Pool(p.gateway.url, { connections: CONCURRENCY });
  cleanups.push(() => pool.close());
  const post = (path, body, headers = {}) =>
    pool.request({ method: 'POST', path, body, headers: { authorization: p.admin, ...headers } }).then(
      async (res) => ({ status: res.statusCode, text: await res.body.text() }),
      () => ({ status: 0, text: '' }),
    );
  const deploy = (name) =>
    post(`/system/functions`, JSON.stringify({ service: name, image: 'bench/none', labels: { 'com.openfaas.scale.zero': 'false' } }), {
      'content-type': 'application/json',
    });
  // 0 replicas wanted from the provider: the replica is this process.
  await deploy(FN);

  const end = Date.now() + DURATION;
  let ok = 0;
  await loops(
    CONCURRENCY,
    () => Date.now() > end,
    async () => ((await post(`/function/${FN}`, 'x')).status === 200 ? ok++ : 0),
  );
  const sync = ok / (DURATION / 1000);

  const callbacks = new Set();
  const receiver = createServer((req, res) => {
    callbacks.add(req.headers['x-call-id']);
    req.resume();
    req.on('end', () => res.end());
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => receiver.close(r)));
  const cb = `http://127.0.0.1:${receiver.address().port}/cb`;
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
  results[label] = { sync, accepted: accepted / ((t1 - t0) / 1000), completed: callbacks.size / ((t2 - t0) / 1000) };
  say(
    `${label}: sync ${sync.toFixed(0)}/s; async accepted ${results[label].accepted.toFixed(0)}/s, completed ${results[label].completed.toFixed(0)}/s`,
  );
  if (nodes > 1) await failures(p, post, deploy, label, cb);
}

/** Node loss and provider loss on the cluster. */
async function failures(p, post, deploy, label, cb) {
  const outcomes = [];
  let loading = true;
  const load = loops(
    8,
    () => !loading,
    async (lane) => {
      const started = Date.now();
      const res =
        lane % 2
          ? await post(`/function/${FN}`, 'x')
          : await post(`/async-function/${FN}`, 'x', { 'x-call-id': randomUUID(), 'x-callback-url': cb });
      outcomes.push({ at: started, ok: res.status === 200 || res.status === 202 });
    },
  );
  await sleep(2000);
  const leader = (await p.jsm.streams.info(p.subjects.asyncStream)).cluster?.leader ?? 'skiff_0';
  const node = p.bus.nodes[Number(leader.replace('skiff_', ''))];
  const killedAt = Date.now();
  await node.kill('SIGKILL');
  await sleep(8000);
  loading = false;
  await load;
  const after = outcomes.filter((o) => o.at >= killedAt);
  const failed = after.filter((o) => !o.ok);
  const window = failed.length ? Math.max(...failed.map((o) => o.at)) - killedAt : 0;
  say(
    `${label}: node ${node.index} (leader of the async stream) SIGKILLed: ${failed.length} of ${after.length} requests failed, the last ${window} ms after the kill`,
  );
  results.nodeLoss = { failed: failed.length, of: after.length, windowMs: window };
  await node.start();

  const killed = Date.now();
  p.provider.runner.child.kill('SIGKILL');
  let deployed = 0;
  for (let i = 0; !deployed && Date.now() - killed < 60_000; i++) {
    if ((await deploy(`after${i}`)).status < 300) deployed = Date.now();
    else await sleep(100);
  }
  say(
    `${label}: active provider SIGKILLed: a deploy was accepted again after ${deployed - killed} ms (lease ${process.env.SKIFF_LEADER_LEASE_MS || 5000} ms)`,
  );
  results.providerLoss = { ms: deployed - killed };
}

async function main() {
  process.chdir(REPO_ROOT);
  installIfMissing(say);
  buildUnlessSkipped(say);
  process.env.SKIFF_ADMIN_PASSWORD ||= randomBytes(12).toString('hex');
  await measure(1, 'one server R1');
  for (const fn of cleanups.splice(0).reverse()) await fn().catch(() => undefined);
  await measure(3, 'three servers R3');
  const [one, three] = [results['one server R1'], results['three servers R3']];
  say(
    `cluster / single: sync ${((three.sync / one.sync) * 100).toFixed(0)} %, async accepted ${((three.accepted / one.accepted) * 100).toFixed(0)} %, completed ${((three.completed / one.completed) * 100).toFixed(0)} %`,
  );
}

runBenchmark('bench-cluster', main, { cleanups, natsServer: () => undefined, say });
