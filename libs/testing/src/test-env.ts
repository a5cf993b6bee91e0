import { randomBytes } from 'node:crypto';

/** NATS the tests use (CI starts one on the default port). */
export const TEST_NATS_URL = process.env.SKIFF_NATS_URL ?? 'nats://127.0.0.1:4222';

/** Redis the tests use. */
export const TEST_REDIS_URL = process.env.SKIFF_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A subject prefix no other test run uses, so runs never see each other's subjects, streams or buckets. */
export function uniquePrefix(label = 't'): string {
  return `${label}${randomBytes(4).toString('hex')}`.slice(0, 32);
}

/** Admin password every gateway started by the test helpers uses (SKIFF_ADMIN_PASSWORD). */
export const TEST_ADMIN_PASSWORD = 'skiff-test-admin';

/** `Authorization` header of the test gateways' admin (or of other credentials). */
export function basicAuthHeader(user = 'admin', password = TEST_ADMIN_PASSWORD): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}
