'use strict';
// Init service of docker-compose.dev.yml (runs once per `up`, in the provider image, as root so it can
// write into the new volume, then hands every file to uid 1000, the user all the other services run as):
// the bus's keys and nats-server config (operator mode, JetStream) and one credentials file per
// service into the `bus` volume, a Redis password and config, and the gateway's admin password.
// Keys and passwords are made once and kept in the volume; the config is rewritten every time.
const { randomBytes } = require('node:crypto');
const { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { prepareBusServer, writePlatformCredentials } = require('/app/dist/libs/nats/src/auth/bus-setup.js');

const BUS = process.env.SKIFF_BUS_DIR || '/bus';
const MiB = 1024 * 1024;

/** A secret file made once (mode 0600). */
function secretFile(path) {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) writeFileSync(path, randomBytes(24).toString('base64url'), { mode: 0o600, flag: 'wx' });
  return readFileSync(path, 'utf8').trim();
}

(async () => {
  const files = await prepareBusServer({
    dir: join(BUS, 'nats'),
    host: '0.0.0.0',
    port: 4222,
    storeDir: '/data/jetstream',
    limits: {
      maxFileBytes: Number(process.env.SKIFF_NATS_MAX_FILE_BYTES || 10240 * MiB),
      maxMemoryBytes: Number(process.env.SKIFF_NATS_MAX_MEMORY_BYTES || 256 * MiB),
    },
  });
  // The account's JetStream reservation must fit inside the server's: give the server headroom.
  const conf = readFileSync(files.configFile, 'utf8').replace(/max_memory_store: (\d+)/, (_, n) => `max_memory_store: ${2 * Number(n)}`);
  writeFileSync(files.configFile, conf, { mode: 0o600 });
  await writePlatformCredentials(files.issuer, process.env.SKIFF_SUBJECT_PREFIX || 'faas', join(BUS, 'creds'));
  const redisPassword = secretFile(join(BUS, 'redis', 'password'));
  writeFileSync(
    join(BUS, 'redis', 'redis.conf'),
    ['bind 0.0.0.0', 'port 6379', 'protected-mode no', 'dir /data', 'save ""', 'appendonly no', `requirepass ${redisPassword}`, ''].join(
      '\n',
    ),
    { mode: 0o600 },
  );
  secretFile(join(BUS, 'gateway', 'admin-password'));
  const own = (path) => {
    chownSync(path, 1000, 1000);
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.isDirectory()) own(join(path, entry.name));
      else chownSync(join(path, entry.name), 1000, 1000);
    }
  };
  if (process.getuid() === 0) own(BUS);
  console.log(`compose-init: bus config, credentials, Redis and admin passwords ready in ${BUS}`);
})().catch((err) => {
  console.error(`compose-init: ${err.stack || err.message}`);
  process.exit(1);
});
