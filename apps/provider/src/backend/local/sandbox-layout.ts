import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

/** Where the watchdog installation (its code, the shared libs, node_modules) appears in every replica. */
export const INSTALL_MOUNT = '/opt/skiff';
/** Working directory of every replica (OpenFaaS's): the bundle, read-only, or an empty read-only folder. */
export const APP_DIR = '/home/app';
/** The uid and gid replicas run as (nobody / nogroup). */
export const REPLICA_ID = 65534;

/** Top-level system folders: bound read-only, or re-created as the symbolic links they are (merged /usr). */
const SYSTEM_DIRS = ['usr', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

/**
 * The part of /etc a runtime needs (dynamic linker, name resolution, TLS roots, time zone,
 * alternatives such as awk). Never shadow, sudoers, ssh keys, the host's passwd or group.
 * Files are copied into a staged /etc once at start (one mount instead of one each: every mount
 * costs replica start time); folders and the files that change while the host runs are bound live.
 */
const ETC_SUBSET = [
  'alternatives',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'hosts',
  'host.conf',
  'resolv.conf',
  'nsswitch.conf',
  'gai.conf',
  'services',
  'protocols',
  'ssl',
  'ca-certificates',
  'ca-certificates.conf',
  'pki',
  'localtime',
  'timezone',
  'mime.types',
  'os-release',
];
/** /etc files bound live rather than copied (DHCP, VPNs and operators change them while Skiff runs). */
const ETC_LIVE = new Set(['hosts', 'resolv.conf']);

/** Synthetic /etc/passwd and /etc/group: root and the replica's own user, nothing of the host's. */
const IDENTITY_FILES: Record<string, string> = {
  passwd: `root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:${REPLICA_ID}:${REPLICA_ID}:nobody:${APP_DIR}:/usr/sbin/nologin\n`,
  group: `root:x:0:\nnogroup:x:${REPLICA_ID}:\n`,
};

/** One host folder shown inside every replica. */
export interface HostPath {
  /** Absolute host path (also the path inside). */
  path: string;
  /** Bound read-write (an explicit opening, e.g. for tests); read-only otherwise. */
  writable: boolean;
}

/** A bind of a host path into the sandbox. */
interface Bind {
  src: string;
  dest: string;
  writable?: boolean;
}

/** The nearest ancestor of `file` holding package.json and node_modules (an installation), else its folder. */
function installRoot(file: string): string {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'node_modules'))) return dir;
  }
  return dirname(file);
}

/** True when `child` is `parent` or below it. */
export function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Parses SKIFF_SANDBOX_HOST_PATHS: comma-separated absolute paths, each optionally suffixed `:rw`.
 * Throws on a relative path or one that contains the data dir (never shown to a replica).
 */
export function parseHostPaths(raw: string, dataDir: string): HostPath[] {
  const out: HostPath[] = [];
  for (const item of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const writable = item.endsWith(':rw');
    const path = writable ? item.slice(0, -3) : item.replace(/:ro$/, '');
    if (!isAbsolute(path)) throw new Error(`SKIFF_SANDBOX_HOST_PATHS: "${path}" is not an absolute path`);
    const real = existsSync(path) ? realpathSync(path) : resolve(path);
    if (inside(resolve(dataDir), real))
      throw new Error(`SKIFF_SANDBOX_HOST_PATHS: "${path}" contains SKIFF_DATA_DIR (${dataDir}), which replicas must never see`);
    out.push({ path: real, writable });
  }
  return out;
}

/**
 * Everything of a replica's bubblewrap command line that is the same for every replica, worked out
 * once at start: the minimal read-only root (system folders, a small /etc), the watchdog
 * installation at INSTALL_MOUNT, the operator's host paths, and a tmpfs over the data dir wherever
 * a bind would show it.
 */
export class SandboxLayout {
  /** Binds of the system: /usr, the top-level links, a small /etc (before /proc, /dev and /tmp). */
  readonly systemArgs: string[];
  /** Binds of the watchdog installation and the operator's host paths (after /tmp: one may lie below it). */
  readonly openArgs: string[];
  /** Arguments that must come last (masks). */
  readonly maskArgs: string[];
  /** Where the watchdog entry appears inside. */
  readonly watchdogEntry: string;
  private readonly watchdogEntryHost: string;
  private readonly binds: Bind[] = [];

  constructor(
    watchdogEntry: string,
    hostPaths: HostPath[],
    private readonly dataDir: string,
    /** Where the staged /etc is built (rebuilt at every start; must be reachable by REPLICA_ID). */
    etcStage: string,
    /** The Node binary replicas run (bound at its own path when it is not under /usr). */
    nodeBinary = process.execPath,
  ) {
    const args: string[] = [];
    for (const name of SYSTEM_DIRS) {
      const path = `/${name}`;
      if (!existsSync(path)) continue;
      if (lstatSync(path).isSymbolicLink()) args.push('--symlink', readlinkSync(path), path);
      else this.bind(args, { src: path, dest: path });
    }
    args.push(...this.stageEtc(etcStage));
    this.systemArgs = args;
    const open: string[] = [];
    const node = realpathSync(nodeBinary);
    if (!this.binds.some((b) => inside(node, b.dest))) this.bind(open, { src: dirname(dirname(node)), dest: dirname(dirname(node)) });

    const entry = realpathSync(watchdogEntry);
    this.watchdogEntryHost = entry;
    const root = installRoot(entry);
    const rel = relative(root, entry).split('/');
    const apps = rel.indexOf('apps');
    const parts =
      apps > 0 && rel.length > apps + 2
        ? [rel.slice(0, apps + 2).join('/'), join(...rel.slice(0, apps), 'libs')]
        : [dirname(relative(root, entry))];
    for (const part of [...parts, 'node_modules']) {
      const src = join(root, part);
      if (existsSync(src)) this.bind(open, { src, dest: join(INSTALL_MOUNT, part) });
    }
    this.watchdogEntry = join(INSTALL_MOUNT, relative(root, entry));

    for (const p of hostPaths) if (existsSync(p.path)) this.bind(open, { src: p.path, dest: p.path, writable: p.writable });
    this.openArgs = open;
    this.maskArgs = this.masksFor(this.binds);
  }

  /** The per-replica binds' masks too: a tmpfs wherever one of `extra` would show the data dir. */
  masksFor(extra: Array<{ src: string; dest: string }>): string[] {
    const data = resolve(this.dataDir);
    return extra.filter((b) => inside(data, b.src)).flatMap((b) => ['--tmpfs', join(b.dest, relative(b.src, data))]);
  }

  /** The path an argument has inside: the watchdog entry's at INSTALL_MOUNT, anything else unchanged. */
  insidePath(arg: string): string {
    return arg === this.watchdogEntryHost || (isAbsolute(arg) && existsSync(arg) && realpathSync(arg) === this.watchdogEntryHost)
      ? this.watchdogEntry
      : arg;
  }

  /** Builds the staged /etc and returns the arguments mounting it, with the live binds on top. */
  private stageEtc(stage: string): string[] {
    rmSync(stage, { recursive: true, force: true });
    mkdirSync(stage, { recursive: true, mode: 0o755 });
    const live: string[] = [];
    for (const name of ETC_SUBSET) {
      const path = `/etc/${name}`;
      if (!existsSync(path)) continue;
      const real = realpathSync(path);
      if (statSync(real).isDirectory() || ETC_LIVE.has(name)) {
        // A mount point in the staged copy, the host's own (current) content bound on it.
        if (statSync(real).isDirectory()) mkdirSync(join(stage, name), { mode: 0o755 });
        else writeFileSync(join(stage, name), '', { mode: 0o644 });
        this.bind(live, { src: real, dest: path });
      } else {
        copyFileSync(real, join(stage, name));
        chmodSync(join(stage, name), 0o644);
      }
    }
    for (const [name, content] of Object.entries(IDENTITY_FILES)) writeFileSync(join(stage, name), content, { mode: 0o644 });
    chmodSync(stage, 0o755);
    return ['--ro-bind', stage, '/etc', ...live];
  }

  private bind(args: string[], bind: Bind): void {
    this.binds.push(bind);
    args.push(bind.writable ? '--bind' : '--ro-bind', bind.src, bind.dest);
  }
}
