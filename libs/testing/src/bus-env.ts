import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPlatformService, replicaPermissions } from '@skiff/contracts/bus-permissions';
import { subjects } from '@skiff/contracts/subjects';
import { mintCredentials, readIssuerFile } from '@skiff/nats/auth/bus-credentials';
import { PlatformCredentials, writePlatformCredentials } from '@skiff/nats/auth/bus-setup';
import { TEST_NATS_ISSUER_FILE, TEST_NATS_URL, TEST_REDIS_PASSWORD_FILE, TEST_REDIS_URL } from './test-env';

const minted = new Map<string, Promise<PlatformCredentials>>();

/** The credentials of every service of the platform with `prefix` on the run's secured bus (minted once per prefix). */
export function runBusCredentials(prefix: string, dir?: string): Promise<PlatformCredentials> | undefined {
  if (!TEST_NATS_ISSUER_FILE) return undefined;
  let creds = minted.get(prefix);
  if (!creds) {
    creds = writePlatformCredentials(readIssuerFile(TEST_NATS_ISSUER_FILE), prefix, dir ?? mkdtempSync(join(tmpdir(), 'skiff-creds-')));
    minted.set(prefix, creds);
  }
  return creds;
}

/**
 * What a service started by a test needs to reach the run's bus and Redis as `npm start` sets them up:
 * its own NATS credentials (the provider also the issuer, to mint replica credentials) and the Redis
 * password file. Nothing when the service is pointed at another server (`env` overrides the URLs).
 */
export async function serviceBusEnv(service: string, env: Record<string, string | undefined>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const prefix = env.SKIFF_SUBJECT_PREFIX;
  if ((env.SKIFF_NATS_URL ?? TEST_NATS_URL) === TEST_NATS_URL && prefix && isPlatformService(service)) {
    const creds = await runBusCredentials(prefix);
    if (creds) {
      out.SKIFF_NATS_CREDS = creds.services[service];
      if (service === 'provider' && TEST_NATS_ISSUER_FILE) out.SKIFF_NATS_ISSUER_FILE = TEST_NATS_ISSUER_FILE;
    }
  }
  if (TEST_REDIS_PASSWORD_FILE && (env.SKIFF_REDIS_URL ?? TEST_REDIS_URL) === TEST_REDIS_URL)
    out.SKIFF_REDIS_PASSWORD_FILE = TEST_REDIS_PASSWORD_FILE;
  return out;
}

/**
 * A watchdog started directly by a test gets what the provider would give it on the run's secured
 * bus: credentials of its own (here in a temporary file, `SKIFF_NATS_CREDS`). Nothing on an open bus.
 */
export async function replicaBusEnv(namespace: string, name: string, instance: string): Promise<Record<string, string>> {
  if (!TEST_NATS_ISSUER_FILE) return {};
  const file = join(mkdtempSync(join(tmpdir(), 'skiff-replica-creds-')), 'replica.creds');
  const creds = await mintCredentials(
    readIssuerFile(TEST_NATS_ISSUER_FILE),
    `test-replica-${instance}`,
    replicaPermissions(subjects, namespace, name, instance),
  );
  writeFileSync(file, creds, { mode: 0o600 });
  return { SKIFF_NATS_CREDS: file };
}
