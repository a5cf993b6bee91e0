#!/usr/bin/env node
'use strict';
// Trigger section of the benchmark (`node scripts/bench-triggers.js`; `npm run bench` runs it after the
// HTTP cases). One run, baseline and Skiff side by side:
//   (i) baseline    bare JetStream on a plain file stream: BENCH_TRIGGER_MESSAGES publishes (acked,
//                   BENCH_CONNECTIONS in flight) read by BENCH_TRIGGER_FANOUT durable consumers that ack each
//                   message (deliveries/s, first publish → last ack); then publishes/s for BENCH_DURATION s
//   (j) fan-out     the same publishes to a topic with BENCH_TRIGGER_FANOUT subscribed trivial functions
//                   (topic router → one async call each → queue-worker → function): invocations/s first
//                   publish → last invocation, with lost / duplicated counts
//   (k) webhook     POST for BENCH_DURATION s (autocannon, BENCH_CONNECTIONS keep-alive): 202/s of a plain
//                   Node HTTP server that publishes each body to JetStream and answers after the ack
//                   (baseline, scripts/bench/publish-server.js), then of connector-webhook for a topic
//                   without a secret and for a signed one (the provider checks the HMAC)
// Functions are replicas answering over NATS from this process (what a watchdog does), so the numbers are
// the platform path. Starts its own services with a unique subject prefix and removes its streams at the end.
// Environment: BENCH_DURATION (s), BENCH_CONNECTIONS, BENCH_TRIGGER_MESSAGES, BENCH_TRIGGER_FANOUT,
// BENCH_TRIGGER_CASES (e.g. "i,j"), SKIFF_SKIP_BUILD=1, SKIFF_NATS_URL.
const { createHmac, randomBytes } = require('node:crypto');
const os = require('node:os');
const { join } = require('node:path');
const { mkdtempSync, rmSync } = require('node:fs');
const { BootstrapError, freePort } = require('./lib/infra');
const { installIfMissing, buildUnlessSkipped } = require('./lib/prepare');
const { openBenchBus, startHealthyService, deleteStreams, startChild, runBenchmark } = require('./lib/bench-platform');
const { REPO_ROOT } = require('./lib/paths');

const DURATION = Number(process.env.BENCH_DURATION || 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 50);
const MESSAGES = Number(process.env.BENCH_TRIGGER_MESSAGES || 2000);
const FANOUT = Number(process.env.BENCH_TRIGGER_FANOUT || 3);
const CASES = (process.env.BENCH_TRIGGER_CASES || 'i,j,k').split(',').map((c) => c.trim());
const NS = 'openfaas-fn';
const TOPIC = 'bench-orders';
const BODY = '{"id":1,"item":"Hello, World!"}';
const SECRET = 'bench-webhook-secret';
const PUBLISH_SERVER = join(__dirname, 'bench', 'publish-server.js');

const LOAD_BEFORE = os.loadavg();
const say = (text) => process.stdout.write(`[bench-triggers] ${text}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cleanups = [];
let natsStarted;

async function main() {
  process.chdir(REPO_ROOT);
  installIfMissing(say);
  buildUnlessSkipped(say);
  const autocannon = require('autocannon');
  const { connect, AckPolicy, StorageType, nanos } = require('nats');
  const dist = (p) => require(join(REPO_ROOT, 'dist', 'libs', p));
  const { SubjectRegistry } = dist('contracts/src/subjects.js');
  const { decodeInvokeRequest, encodeInvokeResponse } = dist('invoke/src/invoke-codec.js');

  const prefix = `bencht${randomBytes(4).toString('hex')}`;
  const nats = await openBenchBus(prefix, say);
  natsStarted = nats.started;
  const subjects = new SubjectRegistry(prefix);
  const nc = await connect(nats.connectOptions({ name: 'bench-triggers' }));
  cleanups.push(() => deleteStreams(nc, subjects).finally(() => nc.close()));
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  const body = new TextEncoder().encode(BODY);
  const common = { SKIFF_NATS_URL: nats.url, SKIFF_SUBJECT_PREFIX: prefix, SKIFF_LOG_LEVEL: 'warn' };
  say(
    `prefix ${prefix}; ${MESSAGES} messages × ${FANOUT} subscribers; webhook ${DURATION} s × ${CONNECTIONS} connections; NATS ${nats.url}`,
  );

  /** Publishes `count` messages with acks, CONNECTIONS in flight. */
  const publishAll = async (subject, count, msgId) => {
    let next = 0;
    const loop = async () => {
      while (next < count) {
        const i = next++;
        await js.publish(subject, body, { msgID: msgId(i) });
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  };
  /** Publishes with acks for `seconds`, CONNECTIONS in flight; resolves with publishes per second. */
  const publishFor = async (subject, seconds) => {
    let sent = 0;
    const tag = randomBytes(4).toString('hex');
    const started = Date.now();
    const end = started + seconds * 1000;
    const loop = async () => {
      while (Date.now() < end) {
        await js.publish(subject, body, { msgID: `p-${tag}-${sent++}` });
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, loop));
    return sent / ((Date.now() - started) / 1000);
  };
  const waitUntil = async (done, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    while (!done() && Date.now() < deadline) await sleep(20);
  };

  const rows = [];
  let publishRate;

  if (CASES.includes('i')) {
    // Same storage and de-duplication window as the topic stream, limits retention so N consumers each read every message.
    const stream = `${subjects.streamPrefix}_BASELINE`;
    const subject = `${prefix}.bench.baseline`;
    await jsm.streams.add({ name: stream, subjects: [subject], storage: StorageType.File, duplicate_window: nanos(120_000) });
    let acked = 0;
    let lastAck = 0n;
    const readers = [];
    for (let c = 0; c < FANOUT; c++) {
      await jsm.consumers.add(stream, { durable_name: `reader-${c}`, ack_policy: AckPolicy.Explicit });
      const messages = await (await js.consumers.get(stream, `reader-${c}`)).consume({ max_messages: 256 });
      readers.push(messages);
      void (async () => {
        for await (const m of messages) {
          m.ack();
          acked++;
          lastAck = process.hrtime.bigint();
        }
      })();
    }
    const started = process.hrtime.bigint();
    await publishAll(subject, MESSAGES, (i) => `b-${i}`);
    await waitUntil(() => acked >= MESSAGES * FANOUT, 60_000);
    for (const r of readers) await r.close();
    await publishFor(subject, 1);
    publishRate = await publishFor(subject, DURATION);
    const deliveries = acked / (Number(lastAck - started) / 1e9);
    rows.push(['(i) bare JetStream publish (acked)', 'msg/s', publishRate, '', `${DURATION} s`]);
    rows.push([`(i) bare JetStream fan-out to ${FANOUT} consumers`, 'deliveries/s', deliveries, '', `${acked}/${MESSAGES * FANOUT} acked`]);
    say(`(i) ${publishRate.toFixed(0)} publishes/s, ${deliveries.toFixed(0)} deliveries/s`);
  }
  const baseline = (name) => rows.find((r) => r[0].startsWith('(i)') && r[1] === name)?.[2];

  if (CASES.includes('k')) {
    const dataDir = mkdtempSync(join(os.tmpdir(), 'skiff-bench-triggers-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const password = randomBytes(12).toString('hex');
    const ports = { provider: await freePort(), gateway: await freePort(), webhook: await freePort() };
    await startHealthyService(
      'provider',
      { ...common, SKIFF_DATA_DIR: dataDir, SKIFF_PROVIDER_PORT: String(ports.provider) },
      ports.provider,
      cleanups,
    );
    await startHealthyService(
      'gateway',
      { ...common, SKIFF_ADMIN_PASSWORD: password, SKIFF_GATEWAY_PORT: String(ports.gateway) },
      ports.gateway,
      cleanups,
    );
    const created = await fetch(`http://127.0.0.1:${ports.gateway}/system/secrets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` },
      body: JSON.stringify({ name: `webhook-${TOPIC}-signed`, value: SECRET }),
    });
    if (created.status >= 300) throw new BootstrapError(`creating the webhook secret: ${created.status} ${await created.text()}`);
    // The unsigned case needs its topic opened for unsigned posts (topics without a secret refuse them).
    await startHealthyService(
      'connector-webhook',
      { ...common, SKIFF_WEBHOOK_PORT: String(ports.webhook), SKIFF_WEBHOOK_UNSIGNED_TOPICS: TOPIC },
      ports.webhook,
      cleanups,
    );
    // A signed request is accepted once (replay protection): each request gets its own body and timestamped signature.
    let sequence = 0;
    const signedRequest = (req) => {
      const t = Math.floor(Date.now() / 1000);
      const body = BODY.replace(/^\{/, `{"n":${++sequence},`);
      const signature = `t=${t},v1=${createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex')}`;
      return { ...req, body, headers: { ...req.headers, 'x-skiff-signature': signature } };
    };
    // Baseline: a plain Node HTTP server publishing each body to a plain stream, 202 after the ack.
    const plainStream = `${subjects.streamPrefix}_WEBHOOK_BASELINE`;
    await jsm.streams.add({
      name: plainStream,
      subjects: [`${prefix}.bench.webhook`],
      storage: StorageType.File,
      duplicate_window: nanos(120_000),
    });
    const plainPort = await freePort();
    await startChild(
      'publish-server',
      process.execPath,
      [PUBLISH_SERVER],
      { ...nats.childEnv, SUBJECT: `${prefix}.bench.webhook`, PORT: String(plainPort) },
      /^listening/,
      cleanups,
    );
    let plainRate;
    for (const [label, url, headers, setup] of [
      ['(k) baseline: Node http + JetStream publish', `http://127.0.0.1:${plainPort}/`, {}],
      ['(k) webhook, topic without secret', `http://127.0.0.1:${ports.webhook}/webhook/${TOPIC}`, {}],
      ['(k) webhook, signed (provider checks)', `http://127.0.0.1:${ports.webhook}/webhook/${TOPIC}-signed`, {}, signedRequest],
    ]) {
      const options = {
        url,
        method: 'POST',
        body: BODY,
        headers: { 'content-type': 'application/json', ...headers },
        connections: CONNECTIONS,
        pipelining: 1,
        ...(setup ? { requests: [{ setupRequest: setup }] } : {}),
      };
      await autocannon({ ...options, duration: 1 });
      const r = await autocannon({ ...options, duration: DURATION });
      const bad = r.non2xx + r.errors + r.timeouts;
      plainRate ??= r.requests.average;
      const ratio = url.includes('/webhook/') ? `${((r.requests.average / plainRate) * 100).toFixed(1)}% of (k) baseline` : '';
      rows.push([label, '202/s', r.requests.average, ratio, `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${bad} errors/non-2xx`]);
      say(`${label}: ${r.requests.average.toFixed(0)} 202/s`);
    }
    // Nobody routes these (no queue-worker yet): drop them so the fan-out case starts from an empty stream.
    await jsm.streams.purge(subjects.topicStream).catch(() => undefined);
  }

  if (CASES.includes('j')) {
    const kv = await js.views.kv(subjects.functionsBucket, { history: 1 });
    const now = new Date().toISOString();
    const counts = new Map();
    let lastCall = 0n;
    const hello = new TextEncoder().encode('ok');
    for (let f = 1; f <= FANOUT; f++) {
      const name = `fan-${f}`;
      const record = {
        spec: { service: name, image: 'bench', namespace: NS, annotations: { topic: TOPIC, 'com.openfaas.queue.max_inflight': '256' } },
        replicas: 1,
        createdAt: now,
        updatedAt: now,
      };
      await kv.put(subjects.functionKey(NS, name), new TextEncoder().encode(JSON.stringify(record)));
      nc.subscribe(subjects.invoke(NS, name), {
        queue: subjects.queues.invoke(NS, name),
        callback: (_err, msg) => {
          const req = decodeInvokeRequest(msg);
          const key = `${name} ${req.headers['x-message-id']}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
          lastCall = process.hrtime.bigint();
          const { headers, data } = encodeInvokeResponse({ status: 200, headers: { 'content-type': 'text/plain' }, body: hello });
          msg.respond(data, { headers });
        },
      });
    }
    const workerPort = await freePort();
    await startHealthyService('queue-worker', { ...common, SKIFF_QUEUE_WORKER_PORT: String(workerPort) }, workerPort, cleanups);
    await sleep(1000); // the worker's registry cache and per-function consumers
    // Warm-up: one message through every function.
    await js.publish(subjects.topic(TOPIC), body, { msgID: 'warm-up' });
    await waitUntil(() => counts.size >= FANOUT, 30_000);
    counts.clear();
    const expected = MESSAGES * FANOUT;
    const started = process.hrtime.bigint();
    await publishAll(subjects.topic(TOPIC), MESSAGES, (i) => `t-${i}`);
    const calls = () => [...counts.values()].reduce((a, b) => a + b, 0);
    // When the router has fanned every message out (the topic stream is a work queue: empty once acked).
    let routedAt = 0n;
    void (async () => {
      for (const deadline = Date.now() + 300_000; Date.now() < deadline;) {
        const info = await jsm.streams.info(subjects.topicStream).catch(() => undefined);
        if (info && info.state.messages === 0) {
          routedAt = process.hrtime.bigint();
          return;
        }
        await sleep(50);
      }
    })();
    await waitUntil(() => counts.size >= expected, 300_000);
    await sleep(2000); // late duplicates
    const seconds = Number(lastCall - started) / 1e9;
    const rate = counts.size / seconds;
    const deliveries = baseline('deliveries/s');
    rows.push([
      `(j) Skiff topic fan-out to ${FANOUT} functions`,
      'invocations/s',
      rate,
      deliveries ? `${((rate / deliveries) * 100).toFixed(1)}% of (i) deliveries` : '',
      `${counts.size}/${expected} in ${seconds.toFixed(1)} s (all routed after ${routedAt ? (Number(routedAt - started) / 1e9).toFixed(1) : '?'} s), lost ${expected - counts.size}, duplicated ${calls() - counts.size}`,
    ]);
    say(`(j) ${rate.toFixed(0)} invocations/s`);
  }

  const width = Math.max(...rows.map((r) => r[0].length));
  const busy = LOAD_BEFORE[0] > os.cpus().length * 0.5 ? '  ← the machine was busy: numbers are not comparable' : '';
  process.stdout.write(
    `\nSkiff trigger benchmark — ${new Date().toISOString()} — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n` +
      `load average before the run: ${LOAD_BEFORE.map((l) => l.toFixed(2)).join(' ')}${busy}\n` +
      `body ${BODY.length} bytes; ${CONNECTIONS} publishers / keep-alive connections\n\n` +
      rows
        .map((r) => `${r[0].padEnd(width)} | ${r[2].toFixed(0).padStart(7)} ${r[1].padEnd(13)} | ${r[3].padEnd(26)} | ${r[4]}`)
        .join('\n') +
      '\n',
  );
}

runBenchmark('bench-triggers', main, { cleanups, natsServer: () => natsStarted, say });
