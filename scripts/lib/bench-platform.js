'use strict';
// Pieces every benchmark script shares: starting a built service until its /healthz answers, starting
// a helper process, deleting the streams, KV buckets and object stores of the benchmark's own subject
// prefix, and running main() with its clean-up (also on Ctrl-C).
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const { BootstrapError, useNats } = require('./infra');
const { startBus, platformCredentials, serviceBusEnv, adminConnectOptions } = require('./bus');
const { serviceEnv } = require('./services');
const { ServiceRunner } = require('./service-runner');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The bus a benchmark measures on: as `npm start` runs it (its own nats-server, credentials required,
 * one user per service, replica users minted by the provider) unless SKIFF_NATS_URL names a server to
 * use as given. Resolves with `{ url, started, env(service), connectOptions(extra), childEnv }`:
 * `env` is a service's bus variables, `childEnv` what a baseline helper needs (NATS_URL, NATS_CREDS).
 */
async function openBenchBus(prefix, say) {
  if (process.env.SKIFF_NATS_URL) {
    const nats = await useNats({ url: process.env.SKIFF_NATS_URL, log: say });
    activeBus = {
      url: nats.url,
      started: null,
      env: () => ({ SKIFF_NATS_URL: nats.url }),
      connectOptions: (extra = {}) => ({ servers: nats.url.split(','), ...extra }),
      childEnv: { NATS_URL: nats.url },
    };
    return activeBus;
  }
  const bus = await startBus({ ephemeral: true, log: say });
  const creds = await platformCredentials(bus, prefix, join(bus.dir, 'creds'));
  activeBus = {
    url: bus.url,
    started: bus.started,
    env: (service) => serviceBusEnv(bus, creds, service),
    connectOptions: (extra = {}) => ({ ...adminConnectOptions(bus, creds), ...extra }),
    childEnv: { NATS_URL: bus.url, NATS_CREDS: creds.admin },
  };
  return activeBus;
}

/** The bus opened by openBenchBus: every service started by startHealthyService gets its own user on it. */
let activeBus;

/** nats.js connect options from a baseline helper's NATS_URL and NATS_CREDS. */
function helperConnectOptions(env, name) {
  const options = { servers: env.NATS_URL.split(','), name };
  if (env.NATS_CREDS) {
    const { credsAuthenticator } = require('nats');
    options.authenticator = credsAuthenticator(require('node:fs').readFileSync(env.NATS_CREDS));
  }
  return options;
}

/** Starts a built service and waits until `/healthz` on `port` answers 200; `cleanups` gets its stop. */
async function startHealthyService(name, env, port, cleanups, label = name) {
  // A gateway serves /metrics on a port of its own: any free one here, never npm start's 8084.
  if (name === 'gateway') env = { SKIFF_GATEWAY_METRICS_PORT: '0', ...env };
  const runner = new ServiceRunner(name, {
    env: serviceEnv(name, process.env, { ...env, ...(activeBus ? activeBus.env(name) : {}) }),
    out: null,
    label,
  }).start();
  cleanups.push(() => runner.stop(20_000));
  const url = `http://127.0.0.1:${port}/healthz`;
  const deadline = Date.now() + 60_000;
  while ((await fetch(url).catch(() => undefined))?.status !== 200) {
    if (!runner.running) throw new BootstrapError(`${label} exited during start:\n  ${runner.tail.slice(-20).join('\n  ')}`);
    if (Date.now() > deadline) throw new BootstrapError(`${label} not healthy:\n  ${runner.tail.slice(-20).join('\n  ')}`);
    await sleep(100);
  }
  return runner;
}

/** Deletes every stream, KV bucket and object store whose name carries the benchmark's prefix. */
async function deleteStreams(nc, subjects) {
  const prefixes = [subjects.streamPrefix, `KV_${subjects.streamPrefix}`, `OBJ_${subjects.streamPrefix}`];
  try {
    const jsm = await nc.jetstreamManager();
    for await (const info of jsm.streams.list()) {
      const name = info.config.name;
      if (prefixes.some((p) => name.startsWith(p))) await jsm.streams.delete(name).catch(() => undefined);
    }
  } catch {
    // JetStream unavailable: nothing to clean
  }
}

/**
 * On SIGINT/SIGTERM runs `cleanup` once, then exits 130. npm forwards a terminal's Ctrl-C a second
 * time: a repeat within a second is the same interrupt; a later one exits at once.
 */
function cleanupOnInterrupt(cleanup, say) {
  let interrupted = 0;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (interrupted && Date.now() - interrupted < 1000) return;
      if (interrupted) process.exit(130);
      interrupted = Date.now();
      say('interrupted: cleaning up');
      void cleanup().finally(() => process.exit(130));
    });
  }
}

/**
 * Starts a helper process (`command args`) and resolves `{ child, match }` once its output matches
 * `ready`; `cleanups` gets its stop.
 */
function startChild(name, command, args, env, ready, cleanups) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stderr.on('data', (c) => (out += c));
    child.stdout.on('data', (c) => {
      out += c;
      const match = ready.exec(out);
      if (match) resolve({ child, match });
    });
    child.once('exit', (code) => reject(new BootstrapError(`${name} exited (${code}) before it was ready: ${out}`)));
  });
}

/**
 * Runs a benchmark: `main()`, then its `cleanups` last-first and the NATS server it started
 * (`natsServer()`, if any), then `after()` when given. The clean-up also runs on Ctrl-C; a failure
 * prints the error (a BootstrapError without its stack) and exits 1.
 */
function runBenchmark(label, main, { cleanups, natsServer, say, after }) {
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch((err) => say(`cleanup: ${err.message}`));
    await natsServer()?.stop();
  };
  cleanupOnInterrupt(cleanup, say);
  main()
    .then(cleanup)
    .then(after)
    .catch(async (err) => {
      process.stderr.write(`[${label}] ${err instanceof BootstrapError ? err.message : err.stack || err}\n`);
      await cleanup();
      process.exit(1);
    });
}

module.exports = { openBenchBus, helperConnectOptions, startHealthyService, startChild, deleteStreams, runBenchmark };
