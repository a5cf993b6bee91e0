// Runs before every test file (in its own module registry): a fresh subject prefix per file, so
// the `subjects` singleton of libs/contracts and every service a test spawns agree on it, and no
// two test files (or test runs) see each other's subjects, streams or buckets.
const { randomBytes } = require('node:crypto');
process.env.SKIFF_SUBJECT_PREFIX = `t${randomBytes(5).toString('hex')}`;
process.env.SKIFF_NATS_URL = process.env.SKIFF_NATS_URL || 'nats://127.0.0.1:4222';
process.env.SKIFF_LOG_LEVEL = process.env.SKIFF_LOG_LEVEL || 'warn';
