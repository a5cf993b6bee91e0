// Runs before every test file (in its own module registry): a fresh subject prefix per file, so
// the `subjects` registry of libs/contracts and every service a test spawns agree on it, and no
// two test files (or test runs) see each other's subjects, streams or buckets.
const { randomBytes } = require('node:crypto');
process.env.SKIFF_SUBJECT_PREFIX = `t${randomBytes(5).toString('hex')}`;
// A service sets its registry's prefix from its validated configuration in main.ts; a test file, here.
require('@skiff/contracts/subjects').useSubjectPrefix(process.env.SKIFF_SUBJECT_PREFIX);
process.env.SKIFF_NATS_URL = process.env.SKIFF_NATS_URL || 'nats://127.0.0.1:4222';
process.env.SKIFF_LOG_LEVEL = process.env.SKIFF_LOG_LEVEL || 'warn';
// JetStream reserves every stream's max_bytes on the (shared) server when the stream is created, and
// many test platforms share one server: give them small quotas (the quota tests set their own).
const MIB = 1024 * 1024;
const quotas = {
  SKIFF_ASYNC_MAX_BYTES: 64 * MIB,
  SKIFF_ASYNC_CALLBACKS_MAX_BYTES: 16 * MIB,
  SKIFF_ASYNC_DEAD_LETTERS_MAX_BYTES: 32 * MIB,
  SKIFF_ASYNC_BODIES_MAX_BYTES: 128 * MIB,
  SKIFF_ASYNC_RESULTS_MAX_BYTES: 32 * MIB,
  SKIFF_TOPICS_MAX_BYTES: 32 * MIB,
  SKIFF_BUNDLES_MAX_BYTES: 256 * MIB,
  SKIFF_KV_MAX_BYTES: 4 * MIB,
  SKIFF_METRICS_MAX_BYTES: 8 * MIB,
  SKIFF_LOGS_MAX_BYTES: 32 * MIB,
};
for (const [name, value] of Object.entries(quotas)) process.env[name] = process.env[name] || String(value);
// Likewise the JetStream quotas every store opener applies (a service sets them in main.ts).
require('reflect-metadata');
const { loadJetStreamLimits, useJetStreamLimits } = require('@skiff/config/jetstream-limits.env');
useJetStreamLimits(loadJetStreamLimits(process.env));
