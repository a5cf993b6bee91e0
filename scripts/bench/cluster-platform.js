'use strict';
// scripts/bench-cluster.js's platform: a bus of one or several nats-servers, providers, a gateway, two
// queue-workers and a replica served from the bench process; and how it counts CPU per call.
const { readFileSync } = require('node:fs');
const { randomBytes } = require('node:crypto');
const { join } = require('node:path');
const { freePort } = require('../lib/infra');
const { startBus, platformCredentials } = require('../lib/bus');
const { startHealthyService } = require('../lib/bench-platform');
const { REPO_ROOT } = require('../lib/paths');
const { cpuSeconds } = require('../lib/proc-stats');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts counting the CPU of `groups` ({label: [pid]}); the result's `perCall(n)` gives ms of CPU per call by group and in all. */
function cpuMeter(groups) {
  const sum = (pids) => pids.reduce((total, pid) => total + (cpuSeconds(pid) ?? NaN), 0);
  const start = Object.fromEntries(Object.entries(groups).map(([label, pids]) => [label, sum(pids)]));
  return {
    perCall(calls) {
      const out = {};
      for (const [label, pids] of Object.entries(groups)) out[label] = ((sum(pids) - start[label]) * 1000) / calls;
      out.total = Object.values(out).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
      return out;
    },
  };
}

const cpuText = (cpu) =>
  Object.entries(cpu)
    .map(([label, ms]) => `${label} ${Number.isFinite(ms) ? ms.toFixed(3) : '-'}`)
    .join(', ') + ' ms CPU/call';

/** Runs `task` in `width` loops until `until()` is true. */
async function loops(width, until, task) {
  await Promise.all(
    Array.from({ length: width }, async (_, lane) => {
      while (!until()) await task(lane);
    }),
  );
}

/** One platform on `nodes` servers (`cleanups` gets every stop): bus, provider(s), gateway, two queue-workers, the replica in this process. */
async function startClusterPlatform(nodes, label, { say, cleanups, fn: FN }) {
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
  // JetStream answers once the cluster has elected its meta leader: ask until it does (jetstreamManager()
  // would ask once and time out before that).
  const jsm = await nc.jetstreamManager({ checkAPI: false });
  for (let i = 0; ; i++) {
    if (
      await jsm.getAccountInfo().then(
        () => true,
        () => false,
      )
    )
      break;
    if (i >= 300) throw new Error(`JetStream of the ${label} bus did not answer within a minute`);
    await sleep(200);
  }

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
  const workers = [await start('queue-worker', 'queue-worker-a'), await start('queue-worker', 'queue-worker-b')];
  // The processes a call goes through, for the CPU per call.
  const processes = () => ({
    nats: nodes > 1 ? bus.nodes.map((n) => n.pid).filter(Boolean) : [bus.started.pid],
    gateway: [gateway.runner.child.pid],
    'queue-workers': workers.map((w) => w.runner.child.pid),
    'bench (client + replica)': [process.pid],
  });
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
  return { bus, nc, jsm, subjects, provider, standby, gateway, admin, processes };
}

module.exports = { cpuMeter, cpuText, loops, startClusterPlatform };
