import { readFileSync } from 'node:fs';
import { ConnectionOptions, credsAuthenticator } from 'nats';
import { subjects } from '@skiff/contracts/subjects';

/** NATS the tests use (`npm test` starts a secured one for the run; see scripts/test.js). */
export const TEST_NATS_URL = process.env.SKIFF_NATS_URL ?? 'nats://127.0.0.1:4222';

/** The run's bus issuer (account signing key): platforms started by tests mint their services' credentials with it. */
export const TEST_NATS_ISSUER_FILE = process.env.SKIFF_TEST_NATS_ISSUER || undefined;

/** Credentials allowed everything on the run's bus (test code that plays a replica, reads streams, …). */
export const TEST_NATS_CREDS_FILE = process.env.SKIFF_TEST_NATS_CREDS || undefined;

/** The password file of the run's Redis, when `npm test` started one. */
export const TEST_REDIS_PASSWORD_FILE = process.env.SKIFF_TEST_REDIS_PASSWORD_FILE || undefined;

/** Connect options for test code talking to the run's NATS directly (with the admin credentials on a secured bus). */
export function testNatsOptions(extra: ConnectionOptions = {}, url = TEST_NATS_URL): ConnectionOptions {
  // Inside the platform's inboxes, so the services (whose users reply only there) can answer the test.
  // A patient connect (nats.js waits 20 s): on a 2-core machine running several platforms, the first
  // connect of a test file was seen to take longer (CI under load, TIMEOUT in ProtocolHandler.dial).
  const options: ConnectionOptions = { servers: url.split(','), inboxPrefix: subjects.inboxPrefix('test'), timeout: 60_000, ...extra };
  if (TEST_NATS_CREDS_FILE && url === TEST_NATS_URL)
    options.authenticator = credsAuthenticator(new Uint8Array(readFileSync(TEST_NATS_CREDS_FILE)));
  return options;
}

/** Redis the tests use. */
export const TEST_REDIS_URL = process.env.SKIFF_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Admin password every gateway started by the test helpers uses (SKIFF_ADMIN_PASSWORD). */
export const TEST_ADMIN_PASSWORD = 'skiff-test-admin';

/** `Authorization` header of the test gateways' admin (or of other credentials). */
export function basicAuthHeader(user = 'admin', password = TEST_ADMIN_PASSWORD): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}
