import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The one admin user of the gateway's basic auth (OpenFaaS: `admin`). */
export const ADMIN_USER = 'admin';

/** File under SKIFF_DATA_DIR holding the generated admin password (mode 0600). */
export const ADMIN_PASSWORD_FILE = 'admin-password';

/** Where the generated admin password lives for a data dir (default `./.skiff`). */
export function adminPasswordPath(dataDir: string = process.env.SKIFF_DATA_DIR || '.skiff'): string {
  return join(resolve(dataDir), ADMIN_PASSWORD_FILE);
}

/** The gateway's admin credentials and where the password came from. */
export interface AdminCredentials {
  /** Always ADMIN_USER. */
  user: string;
  /** The password (never log it). */
  password: string;
  /** `env` (SKIFF_ADMIN_PASSWORD), `file` (generated earlier) or `generated` (just now). */
  source: 'env' | 'file' | 'generated';
  /** The password file (also when the password came from the environment). */
  file: string;
}

/** Reads the stored password, or undefined when there is none (whitespace-trimmed, as OpenFaaS does). */
export function readAdminPassword(dataDir?: string): string | undefined {
  const file = adminPasswordPath(dataDir);
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8').trim() || undefined;
}

/**
 * SKIFF_ADMIN_PASSWORD when set; else the password stored under the data dir; else a new random
 * one, written there with mode 0600 (exclusive create, so two starting gateways agree).
 */
export function loadAdminCredentials(env: NodeJS.ProcessEnv): AdminCredentials {
  const dataDir = env.SKIFF_DATA_DIR || '.skiff';
  const file = adminPasswordPath(dataDir);
  const fromEnv = env.SKIFF_ADMIN_PASSWORD?.trim();
  if (fromEnv) return { user: ADMIN_USER, password: fromEnv, source: 'env', file };
  const stored = readAdminPassword(dataDir);
  if (stored) return { user: ADMIN_USER, password: stored, source: 'file', file };
  mkdirSync(resolve(dataDir), { recursive: true, mode: 0o700 });
  const password = randomBytes(18).toString('base64url');
  try {
    writeFileSync(file, `${password}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const raced = readAdminPassword(dataDir);
    if (raced) return { user: ADMIN_USER, password: raced, source: 'file', file };
    throw err;
  }
  chmodSync(file, 0o600);
  return { user: ADMIN_USER, password, source: 'generated', file };
}
