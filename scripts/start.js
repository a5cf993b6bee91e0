#!/usr/bin/env node
'use strict';
// `npm start`: the whole platform on this machine. Installs and builds when needed, starts its own
// NATS (credentials required, one user per service) and Redis (generated password) unless
// SKIFF_NATS_URL / SKIFF_REDIS_URL name servers to use as given, starts provider, gateway and every
// other built service with readable prefixed logs, and stops it all on Ctrl-C / SIGTERM.
// Only Node built-ins here: this runs before `npm ci` on a fresh clone.
const { copyFileSync, chmodSync } = require('node:fs');
const { join } = require('node:path');
const { BootstrapError, defaultDataDir, useNats, useRedis, startRedis } = require('./lib/infra');
const { startBus, platformCredentials, serviceBusEnv } = require('./lib/bus');
const { installIfMissing, buildUnlessSkipped } = require('./lib/prepare');
const { discoverServices, needsRedis, serviceEnv } = require('./lib/services');
const { ServiceRunner, httpUrl } = require('./lib/service-runner');
const { formatLine, paint, useColour } = require('./lib/log-format');
const { REPO_ROOT } = require('./lib/paths');

const colour = useColour(process.stdout);
const say = (text) => process.stdout.write(`${paint(colour, 'bold', '[skiff]')} ${text}\n`);
const shout = (text) => process.stderr.write(`${paint(colour, 'red', `[skiff] !!! ${text}`)}\n`);

/** Grace for every service to drain and stop its replicas. */
const STOP_GRACE_MS = Number(process.env.SKIFF_SHUTDOWN_GRACE_MS || 10_000) + 10_000;

const started = { infra: [], services: [] };
let stopping = false;

async function main() {
  process.chdir(REPO_ROOT);
  const dataDir = defaultDataDir();
  process.env.SKIFF_DATA_DIR = dataDir;

  installIfMissing(say);
  buildUnlessSkipped(say);

  const services = discoverServices();
  if (!services.length) throw new BootstrapError('no built service under dist/apps (did the build run?)');
  say(`services: ${services.map((s) => s.name).join(', ')}`);

  const prefix = process.env.SKIFF_SUBJECT_PREFIX || 'faas';
  let nats;
  let credentials;
  let publisherCreds;
  if (process.env.SKIFF_NATS_URL) {
    // Used as given; a server that lets anonymous clients in makes every service warn.
    nats = await useNats({ url: process.env.SKIFF_NATS_URL, log: say });
  } else {
    nats = await startBus({ dataDir, log: say });
    started.infra.push(nats.started);
    credentials = await platformCredentials(nats, prefix, join(nats.dir, 'creds'));
    publisherCreds = join(dataDir, 'nats-publisher.creds');
    copyFileSync(credentials.publisher, publisherCreds);
    chmodSync(publisherCreds, 0o600);
  }
  const env = { SKIFF_NATS_URL: nats.url, SKIFF_DATA_DIR: dataDir };
  // Its own cluster of SKIFF_NATS_NODES servers: every store gets three copies unless SKIFF_JS_REPLICAS says otherwise.
  if (nats.nodes && !process.env.SKIFF_JS_REPLICAS) env.SKIFF_JS_REPLICAS = String(Math.min(3, nats.nodes.length));
  let redis;
  if (needsRedis(services)) {
    redis = process.env.SKIFF_REDIS_URL
      ? await useRedis({ url: process.env.SKIFF_REDIS_URL, log: say })
      : await startRedis({ dataDir, log: say });
    if (redis.started) started.infra.push(redis.started);
  }
  if (stopping) return;

  for (const [index, service] of services.entries()) {
    // Each service gets only what it needs: its own bus credentials, and secrets only where they are used.
    const own = { ...env, ...(credentials ? serviceBusEnv(nats, credentials, service.name) : {}) };
    if (redis && service.needsRedis) {
      own.SKIFF_REDIS_URL = redis.url;
      if (redis.passwordFile) own.SKIFF_REDIS_PASSWORD_FILE = redis.passwordFile;
    }
    const runner = launch(service.name, serviceEnv(service.name, process.env, own), index);
    // Provider and gateway come up in order; the rest can start together.
    if (index < 2 || service.name === 'gateway') {
      try {
        await runner.ready();
      } catch (err) {
        shout(`${err.message}; starting the others anyway`);
      }
    }
    if (stopping) return;
  }
  await Promise.all(started.services.map((s) => s.ready().catch(() => undefined)));
  if (stopping) return;

  const gateway = started.services.find((s) => s.name === 'gateway');
  const lines = ['Skiff is running.'];
  if (gateway?.address) {
    lines.push(
      `  Gateway:      ${httpUrl(gateway.address)}   (try: curl -u admin:<password> ${httpUrl(gateway.address)}/system/functions)`,
    );
    lines.push(`  Portal:       ${httpUrl(gateway.address)}/ui/   (log in as admin)`);
    const metricsPort = Number(process.env.SKIFF_GATEWAY_METRICS_PORT || 8084);
    if (metricsPort)
      lines.push(
        `  Metrics:      ${httpUrl({ ...gateway.address, port: metricsPort })}/metrics   (the gateway's; Prometheus: deploy/prometheus)`,
      );
  } else lines.push('  Gateway:      not running (see the log above)');
  for (const s of started.services) {
    const where = s.address ? `${httpUrl(s.address)}/healthz` : s.running ? 'did not report its address' : 'not running';
    lines.push(`  ${`${s.name}:`.padEnd(13)} pid ${String(s.pid).padEnd(8)} ${where}`);
  }
  lines.push(...adminLines(gateway, dataDir));
  lines.push(
    `  NATS:         ${nats.url}${nats.started ? ' (started here; credentials required)' : nats.open ? ' (SKIFF_NATS_URL; it lets ANONYMOUS clients in)' : ' (SKIFF_NATS_URL)'}`,
  );
  if (publisherCreds) lines.push(`  Publish:      topics only, with the credentials in ${publisherCreds}`);
  if (redis) lines.push(`  Redis:        ${redis.url}${redis.passwordFile ? ` (password in ${redis.passwordFile})` : ''}`);
  lines.push(`  Data:         ${dataDir}`);
  lines.push('Press Ctrl-C to stop.');
  say(lines.join('\n'));
  if (gateway?.address && !stopping) {
    const outcome = await require('../store/seed').seedStore({ gatewayUrl: httpUrl(gateway.address), dataDir, repoRoot: REPO_ROOT });
    if (outcome) say(outcome);
  }
}

/** Where the admin login of /system/* and /ui/ is (never the password itself: logs and terminals get copied). */
function adminLines(gateway, dataDir) {
  const url = gateway && gateway.address ? httpUrl(gateway.address) : 'http://127.0.0.1:8080';
  if (process.env.SKIFF_ADMIN_PASSWORD && process.env.SKIFF_ADMIN_PASSWORD.trim())
    return ['  Admin:        user admin, the password is SKIFF_ADMIN_PASSWORD'];
  let file;
  try {
    const { readAdminPassword, adminPasswordPath } = require('../dist/libs/config/src/admin-credentials');
    if (!readAdminPassword(dataDir)) return ['  Admin:        no password yet (the gateway writes one when it starts)'];
    file = adminPasswordPath(dataDir);
  } catch (err) {
    return [`  Admin:        could not find the admin password: ${err.message}`];
  }
  return [
    `  Admin:        user admin, password in ${file} (mode 0600)`,
    `  Login:        faas-cli login -g ${url} -u admin --password-stdin < ${file}`,
  ];
}

/** Starts a service and watches it; `previous` is the runner it replaces after a crash. */
function launch(name, env, index, previous) {
  const runner = new ServiceRunner(name, { env, colour, index }).start();
  runner.startedAt = Date.now();
  runner.restarts = previous ? previous.restarts + 1 : 0;
  runner.backoffMs = previous ? previous.backoffMs : 0;
  runner.ready().then(
    (address) => (runner.wasReady = Boolean(address)),
    () => undefined,
  );
  if (previous) started.services[started.services.indexOf(previous)] = runner;
  else started.services.push(runner);
  runner.exited.then(({ code, signal }) => onServiceExit(runner, code, signal));
  return runner;
}

/**
 * A supervisor, like Kubernetes, Swarm or compose's `restart:` would be: a service that dies after it
 * was up is started again, 1 s later, doubling to 30 s while it keeps dying within a minute. A provider
 * that lost its leader lease (a NATS node's loss can delay renewals past the lease) exits by design and
 * comes back this way. A service that never got up (a bad environment) is reported and left down.
 */
function onServiceExit(runner, code, signal) {
  if (stopping || runner.stopping) return;
  const restart = runner.wasReady;
  shout(
    `${runner.name} (pid ${runner.pid}) died: exit code ${code}, signal ${signal}. The other services keep running.` +
      (restart ? '' : ` It never started, so it is not restarted.`),
  );
  const last = runner.tail.slice(-10).map((line) => formatLine(line));
  if (last.length) shout(`last lines of ${runner.name}:\n    ${last.join('\n    ')}`);
  if (restart) {
    const upFor = Date.now() - runner.startedAt;
    runner.backoffMs = upFor > 60_000 ? 1_000 : Math.min(30_000, Math.max(1_000, runner.backoffMs * 2));
    say(`restarting ${runner.name} in ${runner.backoffMs / 1000} s`);
    setTimeout(() => {
      if (stopping) return;
      const next = launch(runner.name, runner.env, runner.index, runner);
      next.ready().then(
        (address) => address && say(`${runner.name} restarted (pid ${next.pid})`),
        () => undefined,
      );
    }, runner.backoffMs);
    return;
  }
  if (started.services.every((s) => !s.running)) {
    shout('every service has stopped');
    shutdown(1);
  }
}

async function shutdown(exitCode = 0) {
  if (stopping) return;
  stopping = true;
  const running = started.services.filter((s) => s.running);
  if (running.length) say(`stopping ${running.map((s) => s.name).join(', ')} (up to ${STOP_GRACE_MS / 1000} s)`);
  await Promise.all(started.services.map((s) => s.stop(STOP_GRACE_MS)));
  for (const server of started.infra.reverse()) {
    say(`stopping ${server.name} (pid ${server.pid})`);
    await server.stop();
  }
  say('stopped');
  process.exit(exitCode);
}

// `npm start` forwards the terminal's SIGINT that this process already got: a repeat within a
// second is the same Ctrl-C, a later one means "stop now".
let firstInterrupt = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    const now = Date.now();
    if (firstInterrupt && now - firstInterrupt < 1000) return;
    if (firstInterrupt) {
      shout('second interrupt: killing everything now');
      killEverything();
      process.exit(130);
    }
    firstInterrupt = now;
    shutdown(0);
  });
}
// Last resort if the script dies some other way: never leave orphans behind.
process.on('exit', killEverything);

function killEverything() {
  for (const s of started.services) s.killNow();
  for (const server of started.infra) server.killNow();
}

main().catch(async (err) => {
  if (err instanceof BootstrapError) shout(err.message);
  else shout(err.stack || String(err));
  await shutdown(1);
});
