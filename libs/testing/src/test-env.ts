import { randomBytes } from 'node:crypto';

/** NATS the tests use (CI starts one on the default port). */
export const TEST_NATS_URL = process.env.SKIFF_NATS_URL ?? 'nats://127.0.0.1:4222';

/** Redis the tests use. */
export const TEST_REDIS_URL = process.env.SKIFF_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A subject prefix no other test run uses, so runs never see each other's subjects, streams or buckets. */
export function uniquePrefix(label = 't'): string {
  return `${label}${randomBytes(4).toString('hex')}`.slice(0, 32);
}
