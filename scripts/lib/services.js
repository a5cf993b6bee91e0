'use strict';
// The one list of platform services the scripts know about, in start order. A service is started
// only when it is built (dist/apps/<name>/src/main.js); built apps missing from this list are
// picked up too (after the listed ones), except the non-services below.
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { REPO_ROOT } = require('./paths');

/**
 * Known services in start order; `needsRedis` makes the scripts find or start Redis; `secretEnv` are
 * the secret variables of the user's environment this service (and only this one) is given.
 */
const SERVICES = [
  { name: 'provider', secretEnv: ['SKIFF_SECRETS_KEY'] },
  { name: 'gateway', secretEnv: ['SKIFF_ADMIN_PASSWORD'] },
  { name: 'scaler' },
  { name: 'queue-worker' },
  { name: 'connector-cron', needsRedis: true },
  { name: 'connector-webhook' },
];

/** Built apps that are not long-running platform services. */
const NOT_SERVICES = new Set(['watchdog', 'cli', 'ui']);

/** Entry point of a built app. */
function distEntry(name) {
  return join(REPO_ROOT, 'dist', 'apps', name, 'src', 'main.js');
}

/** Source entry point of an app (exists before the build). */
function sourceEntry(name) {
  return join(REPO_ROOT, 'apps', name, 'src', 'main.ts');
}

/** Apps present under `root/apps` (built or source) that are services. */
function appsUnder(root) {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !NOT_SERVICES.has(d.name))
    .map((d) => d.name);
}

/**
 * Services to run, in start order: the known list first, then any other app.
 * `built` (default true) only returns apps with a built entry; false looks at sources.
 */
function discoverServices({ built = true } = {}) {
  const present = new Set(
    built
      ? appsUnder(join(REPO_ROOT, 'dist', 'apps')).filter((n) => existsSync(distEntry(n)))
      : appsUnder(join(REPO_ROOT, 'apps')).filter((n) => existsSync(sourceEntry(n))),
  );
  const known = SERVICES.filter((s) => present.has(s.name));
  const extra = [...present]
    .filter((n) => !SERVICES.some((s) => s.name === n))
    .sort()
    .map((name) => ({ name }));
  return [...known, ...extra];
}

/** Variables of the user's environment every service gets (besides the non-secret SKIFF_* ones). */
const HOST_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  'NODE_OPTIONS',
  'NODE_EXTRA_CA_CERTS',
  'NO_COLOR',
  'FORCE_COLOR',
];

/** Every secret variable some service may be given; no other service sees them. */
const SECRET_ENV = new Set(SERVICES.flatMap((s) => s.secretEnv ?? []));

/**
 * The environment of one service: the host basics, the user's SKIFF_* settings except other
 * services' secrets, then `own` (bus credentials, URLs) on top. Nothing else of the parent leaks.
 */
function serviceEnv(name, parent, own = {}) {
  const mine = new Set(SERVICES.find((s) => s.name === name)?.secretEnv ?? []);
  const env = {};
  for (const [key, value] of Object.entries(parent)) {
    if (value === undefined) continue;
    if (HOST_ENV.includes(key) || (key.startsWith('SKIFF_') && (!SECRET_ENV.has(key) || mine.has(key)))) env[key] = value;
  }
  return { ...env, ...own };
}

/** True when one of `services` needs Redis. */
function needsRedis(services) {
  return services.some((s) => s.needsRedis);
}

module.exports = { SERVICES, NOT_SERVICES, discoverServices, needsRedis, serviceEnv, distEntry, sourceEntry };
