import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  PLATFORM_SERVICES,
  PlatformService,
  adminPermissions,
  publisherPermissions,
  servicePermissions,
} from '@skiff/contracts/bus-permissions';
import { SubjectRegistry } from '@skiff/contracts/subjects';
import { BusIssuer, issuerFileContents, mintCredentials } from './bus-credentials';
import { AccountLimits, busJwts, loadOrCreateBusKeys, writePrivateFile } from './bus-keys';

/** Longest protocol line the server accepts (the CONNECT line carries the user JWT). */
export const MAX_CONTROL_LINE = 32_768;

/** Where a NATS server started by Skiff listens and keeps its JetStream store. */
export interface BusServerOptions {
  /** Directory of the bus keys, the server config and the issuer file (made 0700). */
  dir: string;
  /** Address the server binds. */
  host: string;
  /** Client port. */
  port: number;
  /** JetStream store directory. */
  storeDir: string;
  /** This server's JetStream limits (and the account's, unless `accountLimits` is given). */
  limits: AccountLimits;
  /**
   * The platform account's JetStream limits when they differ from the server's: in a cluster the
   * account's usage counts every copy of a stream (R3 reserves its max_bytes three times), so it
   * needs the sum of the nodes' limits.
   */
  accountLimits?: AccountLimits;
  /**
   * JetStream's fsync interval (`always`, or a duration such as `10s`); unset keeps the server's
   * default (every 2 minutes). Needs nats-server 2.10 or later.
   */
  syncInterval?: string;
  /** This server as one node of a cluster (several servers with the same keys routing to each other). */
  cluster?: BusClusterNode;
}

/** One node of a NATS cluster: its name, route port and the routes to the other nodes. */
export interface BusClusterNode {
  /** Cluster name (the same on every node). */
  name: string;
  /** This server's name (unique in the cluster; JetStream's Raft groups know nodes by it). */
  serverName: string;
  /** Port of the cluster (route) listener, on the same host. */
  port: number;
  /**
   * `nats-route://host:port` of every node (its own included, which the server skips). The config
   * gets them with the route credentials of `dir` in them (routeCredentials).
   */
  routes: string[];
  /** File name of this node's config in `dir` (default nats-server.conf). */
  configName: string;
}

/** User name the nodes of a Skiff cluster authenticate their routes with. */
export const ROUTE_USER = 'skiff-route';

/** File (0600, in the bus directory) of the route password shared by every node of the cluster. */
export const ROUTE_SECRET_FILE = 'route.secret';

/**
 * The credentials every node of a cluster demands of, and presents to, the others on its route
 * port: without them anyone who reaches a route port could join the cluster as a server and see
 * every account's traffic. Generated once (256 random bits, hex: nothing to escape in a URL) and
 * kept in `dir`, so all nodes prepared from the same directory agree and restarts keep them.
 */
export function routeCredentials(dir: string): { user: string; password: string } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, ROUTE_SECRET_FILE);
  if (!existsSync(file)) writePrivateFile(file, `${randomBytes(32).toString('hex')}\n`);
  const password = readFileSync(file, 'utf8').trim();
  if (!/^[0-9A-Za-z._~-]{16,}$/.test(password))
    throw new Error(`${file} must hold one password of at least 16 URL-safe characters (letters, digits, . _ ~ -)`);
  return { user: ROUTE_USER, password };
}

/** `route` (nats-route://host:port) with the route credentials in it. */
function routeWithCredentials(route: string, credentials: { user: string; password: string }): string {
  const url = new URL(route);
  url.username = credentials.user;
  url.password = credentials.password;
  return url.toString().replace(/\/$/, '');
}

/** The `cluster {}` lines of one node's config. */
function clusterBlock(cluster: BusClusterNode, host: string, dir: string): string[] {
  const auth = routeCredentials(dir);
  return [
    `cluster {`,
    `  name: ${JSON.stringify(cluster.name)}`,
    `  listen: "${host}:${cluster.port}"`,
    // Only servers holding the route password may join (and so see every account's messages). This block
    // is what this node demands; the listed routes present the password in their URLs.
    `  authorization {`,
    `    user: ${JSON.stringify(auth.user)}`,
    `    password: ${JSON.stringify(auth.password)}`,
    `    timeout: 5`,
    `  }`,
    `  routes: [${cluster.routes.map((r) => JSON.stringify(routeWithCredentials(r, auth))).join(', ')}]`,
    `}`,
  ];
}

/** Files of a prepared bus. */
export interface BusServerFiles {
  /** nats-server config (0600): operator mode, the accounts preloaded, JetStream limits. */
  configFile: string;
  /** The account signing key and the account's public key (0600): whoever reads it can mint users. */
  issuerFile: string;
  /** The issuer, for minting credentials in this process. */
  issuer: BusIssuer;
}

/**
 * Writes (or rewrites) the config of a NATS server in decentralized-JWT mode: only users signed
 * by the platform's account signing key get in, each with the permissions in its JWT. Keys are
 * generated once and kept in `dir`, so credentials minted earlier stay valid across restarts.
 */
export async function prepareBusServer(options: BusServerOptions): Promise<BusServerFiles> {
  const keys = loadOrCreateBusKeys(options.dir);
  const jwts = await busJwts(keys, options.accountLimits ?? options.limits);
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const cluster = options.cluster;
  const config = [
    `# Written by Skiff; regenerated at every start. Operator mode: every client needs a user JWT signed by the platform's account.`,
    `server_name: ${cluster?.serverName ?? `skiff_${options.port}`}`,
    `listen: "${host}:${options.port}"`,
    // A service's user JWT lists every subject it may use: its CONNECT line is longer than the default 4 KiB.
    `max_control_line: ${MAX_CONTROL_LINE}`,
    `jetstream {`,
    `  store_dir: ${JSON.stringify(options.storeDir)}`,
    `  max_file_store: ${options.limits.maxFileBytes}`,
    `  max_memory_store: ${options.limits.maxMemoryBytes}`,
    ...(options.syncInterval ? [`  sync_interval: ${JSON.stringify(options.syncInterval)}`] : []),
    `}`,
    ...(cluster ? clusterBlock(cluster, host, options.dir) : []),
    `operator: ${jwts.operator}`,
    `system_account: ${keys.system.getPublicKey()}`,
    `resolver: MEMORY`,
    `resolver_preload: {`,
    `  ${keys.system.getPublicKey()}: ${jwts.system}`,
    `  ${keys.account.getPublicKey()}: ${jwts.account}`,
    `}`,
    '',
  ].join('\n');
  const configFile = join(options.dir, cluster?.configName ?? 'nats-server.conf');
  writePrivateFile(configFile, config);
  const issuer = { signer: keys.signer, account: keys.account.getPublicKey() };
  const issuerFile = join(options.dir, 'issuer.nk');
  writePrivateFile(issuerFile, issuerFileContents(issuer));
  return { configFile, issuerFile, issuer };
}

/** Credentials files of one platform (one subject prefix) on a bus. */
export interface PlatformCredentials {
  /** One creds file per service. */
  services: Record<PlatformService, string>;
  /** Publish `<prefix>.topic.>` only. */
  publisher: string;
  /** Everything (operators, tests). */
  admin: string;
}

/** Mints a creds file (0600) for every service of the platform with `prefix`, its topic publisher and an admin, into `dir`. */
export async function writePlatformCredentials(issuer: BusIssuer, prefix: string, dir: string): Promise<PlatformCredentials> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const subjects = new SubjectRegistry(prefix);
  const write = async (file: string, name: string, permissions: Parameters<typeof mintCredentials>[2]) => {
    const path = join(dir, file);
    writePrivateFile(path, await mintCredentials(issuer, name, permissions));
    return path;
  };
  const services = {} as Record<PlatformService, string>;
  for (const service of PLATFORM_SERVICES)
    services[service] = await write(`${service}.creds`, `${prefix}-${service}`, servicePermissions(subjects, service));
  return {
    services,
    publisher: await write('publisher.creds', `${prefix}-publisher`, publisherPermissions(subjects)),
    admin: await write('admin.creds', `${prefix}-admin`, adminPermissions()),
  };
}
