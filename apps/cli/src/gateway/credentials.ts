import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { ADMIN_PASSWORD_FILE, ADMIN_USER } from '@skiff/config/admin-credentials';
import { repoRoot } from '../paths';

/** Basic-auth credentials. */
export interface Credentials {
  /** User name. */
  username: string;
  /** Password. */
  password: string;
  /** Where they came from (for messages). */
  source: string;
}

/** One saved login, in faas-cli's `~/.openfaas/config.yml` shape. */
interface AuthEntry {
  gateway: string;
  auth: 'basic';
  token: string;
}

/** `~/.skiff/config.yml` (HOME honoured, so tests use a temporary one). */
export function configFile(): string {
  return join(process.env.HOME || homedir(), '.skiff', 'config.yml');
}

function readAuths(): AuthEntry[] {
  const file = configFile();
  if (!existsSync(file)) return [];
  const doc = parse(readFileSync(file, 'utf8')) as { auths?: AuthEntry[] } | null;
  return Array.isArray(doc?.auths) ? doc.auths.filter((a) => a && typeof a.gateway === 'string' && typeof a.token === 'string') : [];
}

function writeAuths(auths: AuthEntry[]): void {
  const file = configFile();
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(file, stringify({ auths }), { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Saves (replaces) the credentials of one gateway. */
export function saveCredentials(gateway: string, username: string, password: string): void {
  const token = Buffer.from(`${username}:${password}`).toString('base64');
  writeAuths([...readAuths().filter((a) => a.gateway !== gateway), { gateway, auth: 'basic', token }]);
}

/** Forgets one gateway's credentials; false when none were saved. */
export function removeCredentials(gateway: string): boolean {
  const auths = readAuths();
  const kept = auths.filter((a) => a.gateway !== gateway);
  if (kept.length === auths.length) return false;
  writeAuths(kept);
  return true;
}

/** Saved credentials of a gateway. */
export function savedCredentials(gateway: string): Credentials | undefined {
  const entry = readAuths().find((a) => a.gateway === gateway);
  if (!entry) return undefined;
  const text = Buffer.from(entry.token, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1), source: configFile() };
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '0.0.0.0']);

/** True for a gateway on this machine. */
export function isLocalGateway(gateway: string): boolean {
  try {
    return LOCAL_HOSTS.has(new URL(gateway).hostname);
  } catch {
    return false;
  }
}

/** Data dirs a local platform may use: SKIFF_DATA_DIR, ./.skiff, and the repository's .skiff. */
function candidateDataDirs(): string[] {
  const dirs = [process.env.SKIFF_DATA_DIR, join(process.cwd(), '.skiff'), join(repoRoot(), '.skiff')];
  return [...new Set(dirs.filter((d): d is string => Boolean(d)).map((d) => resolve(d)))];
}

/**
 * Files (user, password) where a local platform keeps its admin credentials: the gateway's
 * generated admin password (libs/config admin-credentials), and
 * OpenFaaS-style secret files.
 */
const CREDENTIAL_FILES: Array<[string | undefined, string]> = [
  [undefined, ADMIN_PASSWORD_FILE],
  ['basic-auth-user', 'basic-auth-password'],
  ['secrets/basic-auth-user', 'secrets/basic-auth-password'],
];

/** The generated admin credentials of a platform started on this machine, read from its data dir. */
export function localPlatformCredentials(): Credentials | undefined {
  for (const dir of candidateDataDirs()) {
    for (const [userFile, passwordFile] of CREDENTIAL_FILES) {
      const p = join(dir, passwordFile);
      if (!existsSync(p)) continue;
      const u = userFile && join(dir, userFile);
      const username = u && existsSync(u) ? readFileSync(u, 'utf8').trim() : ADMIN_USER;
      const password = readFileSync(p, 'utf8').trim();
      if (password) return { username, password, source: p };
    }
  }
  return undefined;
}

/**
 * Credentials for a gateway: SKIFF_USERNAME/SKIFF_PASSWORD, then the saved login, then for a
 * gateway on this machine SKIFF_ADMIN_PASSWORD or the password the platform generated in its data dir.
 */
export function resolveCredentials(gateway: string): Credentials | undefined {
  if (process.env.SKIFF_PASSWORD) {
    return { username: process.env.SKIFF_USERNAME || 'admin', password: process.env.SKIFF_PASSWORD, source: 'SKIFF_PASSWORD' };
  }
  const saved = savedCredentials(gateway);
  if (saved || !isLocalGateway(gateway)) return saved;
  const adminPassword = process.env.SKIFF_ADMIN_PASSWORD?.trim();
  if (adminPassword) return { username: 'admin', password: adminPassword, source: 'SKIFF_ADMIN_PASSWORD' };
  return localPlatformCredentials();
}
