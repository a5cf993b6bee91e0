#!/usr/bin/env node
'use strict';
// `npm test [-- <jest args>]`: the whole suite (unit, integration, e2e) against real NATS (and Redis
// when a service needs it), set up the way `npm start` runs them: a private nats-server that requires
// credentials (every service gets its own user, the provider mints replica users) and a redis-server
// with a generated password, on free ports with temporary data, stopped afterwards. SKIFF_NATS_URL /
// SKIFF_REDIS_URL name servers to use as given instead.
// Sets the machine up first, the way `.ci/run` always did: the Debian packages of scripts/lib/system-packages.js
// (installed when root or password-less sudo allow, else named in one message), `npm ci` when node_modules
// lacks a package; then builds, type-checks (tests included) and lints. Runs jest in band unless the arguments choose the workers; exits with jest's code.
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const { BootstrapError, useNats, useRedis, startRedis } = require('./lib/infra');
const { startBus, platformCredentials } = require('./lib/bus');
const { installIfMissing, buildUnlessSkipped, typecheckUnlessSkipped } = require('./lib/prepare');
const { ensureSystemPackages } = require('./lib/system-packages');
const { discoverServices, needsRedis } = require('./lib/services');
const { REPO_ROOT } = require('./lib/paths');

const say = (text) => process.stdout.write(`[skiff-test] ${text}\n`);
const started = [];
let jest;

/** Jest arguments that already choose how tests are spread over workers. */
const WORKER_FLAGS = /^(-i|--runInBand|-w|--maxWorkers|--workers|--max-workers)(=|$)/;

async function main() {
  process.chdir(REPO_ROOT);
  const t0 = Date.now();
  ensureSystemPackages(say);
  installIfMissing(say);
  // The bus set-up needs the build (dist/libs/nats/src/auth).
  buildUnlessSkipped(say);
  typecheckUnlessSkipped(say);

  const env = { ...process.env };
  if (process.env.SKIFF_NATS_URL) {
    await useNats({ url: process.env.SKIFF_NATS_URL, log: say });
  } else {
    // Every test platform reserves its streams' max_bytes on this one server while they exist: the
    // account's limit is accounting here, not a quota under test (the quota tests set their own).
    const bus = await startBus({ ephemeral: true, log: say, limits: { maxFileBytes: 2 ** 40, maxMemoryBytes: 2 ** 32 } });
    started.push(bus.started);
    // Test code that plays a replica or reads streams connects as the run's admin; platforms mint their own users.
    const admin = await platformCredentials(bus, 'test', join(bus.dir, 'run-creds'));
    Object.assign(env, { SKIFF_NATS_URL: bus.url, SKIFF_TEST_NATS_ISSUER: bus.issuerFile, SKIFF_TEST_NATS_CREDS: admin.admin });
  }
  if (needsRedis(discoverServices({ built: false }))) {
    if (process.env.SKIFF_REDIS_URL) await useRedis({ url: process.env.SKIFF_REDIS_URL, log: say });
    else {
      const redis = await startRedis({ ephemeral: true, log: say });
      started.push(redis.started);
      Object.assign(env, { SKIFF_REDIS_URL: redis.url, SKIFF_TEST_REDIS_PASSWORD_FILE: redis.passwordFile });
    }
  }
  const t1 = Date.now();

  const args = process.argv.slice(2);
  if (!args.some((a) => WORKER_FLAGS.test(a))) args.unshift('--runInBand');
  say(`jest ${args.join(' ')}   (NATS ${env.SKIFF_NATS_URL}${env.SKIFF_REDIS_URL ? `, Redis ${env.SKIFF_REDIS_URL}` : ''})`);
  jest = spawn(process.execPath, [join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), ...args], { stdio: 'inherit', env });
  // A leaked handle can keep jest alive after the last test; CI must still end.
  const limitMin = Number(process.env.SKIFF_TEST_TIMEOUT_MIN || 45);
  const watchdog = setTimeout(() => {
    process.stderr.write(`[skiff-test] jest still running after ${limitMin} min (SKIFF_TEST_TIMEOUT_MIN): stopping it\n`);
    jest.kill('SIGTERM');
    setTimeout(() => jest.kill('SIGKILL'), 10_000).unref();
  }, limitMin * 60_000);
  const { code, signal } = await new Promise((r) => jest.once('exit', (c, s) => r({ code: c, signal: s })));
  clearTimeout(watchdog);
  const t2 = Date.now();
  say(
    `prepare + build ${((t1 - t0) / 1000).toFixed(1)} s, jest ${((t2 - t1) / 1000).toFixed(1)} s, total ${((t2 - t0) / 1000).toFixed(1)} s`,
  );
  return code ?? (signal ? 1 : 0);
}

async function cleanup() {
  for (const server of started.splice(0).reverse()) await server.stop();
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    // Jest gets the terminal's SIGINT itself; pass on the others, then let main() finish and clean up.
    if (jest && jest.exitCode === null) jest.kill(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
    else cleanup().then(() => process.exit(130));
  });
}
process.on('exit', () => {
  for (const server of started) server.killNow();
});

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (err) => {
    process.stderr.write(`[skiff-test] ${err instanceof BootstrapError ? err.message : err.stack || err}\n`);
    await cleanup();
    process.exit(1);
  });
