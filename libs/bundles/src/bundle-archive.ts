import { createHash } from 'node:crypto';
import { mkdir, readdir, lstat, writeFile } from 'node:fs/promises';
import { posix, join } from 'node:path';
import * as tar from 'tar';
import { BUNDLE_MANIFEST, BundleManifest } from '@skiff/contracts/bundles';
import { BundleError } from './bundle-error';
import { BundleLimits, DEFAULT_BUNDLE_LIMITS } from './bundle-limits';
import { LinkCheckEntry, checkLinks } from './bundle-links';
import { bundleMode, sealTree } from './bundle-tree';
import { TAR_OVERHEAD_PER_ENTRY, TAR_SLACK, gunzipInto } from './capped-gunzip';

/** What a bundle holds, found by reading it once without writing anything. */
export interface BundleInspection {
  /** The parsed `skiff-bundle.json`. */
  manifest: BundleManifest;
  /** Number of entries. */
  entries: number;
  /** Sum of file sizes once unpacked. */
  unpackedBytes: number;
}

/** Entry types a bundle may contain; anything else (devices, FIFOs...) is refused. */
const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link']);
const MAX_MANIFEST_BYTES = 64 * 1024;
/** Fixed mtime of packed entries, so equal inputs give equal digests. */
const EPOCH = new Date('2000-01-01T00:00:00Z');

/** `sha256:<hex>` of some bytes. */
export function bundleDigest(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** The path of an entry made relative and normalised; throws when it leaves the bundle root. */
export function safeEntryPath(raw: string): string {
  if (raw.includes('\0')) throw new BundleError(`entry "${raw}" has a NUL byte in its name`);
  const unixy = raw.replace(/\\/g, '/');
  if (unixy.startsWith('/') || /^[a-zA-Z]:/.test(unixy)) throw new BundleError(`entry "${raw}" has an absolute path`);
  const normal = posix.normalize(unixy).replace(/\/+$/, '');
  if (normal === '..' || normal.startsWith('../')) throw new BundleError(`entry "${raw}" points outside the bundle`);
  return normal === '' ? '.' : normal;
}

/** Checks one link: symbolic links resolve from the entry's folder, hard links from the root. */
function checkLink(type: string, path: string, target: string | undefined): void {
  if (!target) throw new BundleError(`link "${path}" has no target`);
  if (target.startsWith('/') || /^[a-zA-Z]:/.test(target)) throw new BundleError(`link "${path}" points to an absolute path (${target})`);
  const resolved = type === 'SymbolicLink' ? posix.normalize(posix.join(posix.dirname(path), target)) : posix.normalize(target);
  if (resolved === '..' || resolved.startsWith('../')) throw new BundleError(`link "${path}" points outside the bundle (${target})`);
}

/** Decompressed bytes the entries read so far explain (their contents, headers and padding), plus the slack. */
function decompressedCap(unpackedBytes: number, entries: number): number {
  return unpackedBytes + entries * TAR_OVERHEAD_PER_ENTRY + TAR_SLACK;
}

/**
 * Reads a gzipped bundle in memory and refuses it, with the reason, when it is not gzip, is a
 * corrupt tar, exceeds the limits (entries, file sizes, and decompressed bytes counted in the
 * gzip stream), holds a path leading out of its root, a link that leaves it through any chain of
 * the archive's own links, an entry written through a link, a device or FIFO, a path twice, or
 * lacks a valid manifest. Nothing is written.
 */
export async function inspectBundle(data: Buffer, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS): Promise<BundleInspection> {
  if (data.length < 2 || data[0] !== 0x1f || data[1] !== 0x8b)
    throw new BundleError('not a gzip file (a bundle is a .tar.gz made by skiff build)');
  let entries = 0;
  let unpackedBytes = 0;
  let manifestText: string | undefined;
  let failure: Error | undefined;
  const tree = new Map<string, LinkCheckEntry>();
  const fail = (err: Error) => (failure ??= err);
  const parser = new tar.Parser({
    strict: true,
    zstd: false,
    onReadEntry: (entry) => {
      try {
        if (failure) return entry.resume();
        entries += 1;
        if (entries > limits.maxEntries) throw new BundleError(`more than ${limits.maxEntries} entries`);
        if (!ALLOWED_TYPES.has(entry.type))
          throw new BundleError(
            `entry "${entry.path}" is a ${entry.type}; only files, directories and links inside the bundle are allowed`,
          );
        const path = safeEntryPath(entry.path);
        if (entry.type === 'SymbolicLink' || entry.type === 'Link') checkLink(entry.type, path, entry.linkpath);
        const seen = tree.get(path);
        if (seen && !(seen.type === 'Directory' && entry.type === 'Directory')) throw new BundleError(`entry "${path}" appears twice`);
        tree.set(path, { type: entry.type, linkpath: entry.linkpath });
        unpackedBytes += entry.size ?? 0;
        if (unpackedBytes > limits.maxUnpackedBytes) throw new BundleError(`unpacks to more than ${limits.maxUnpackedBytes} bytes`);
        if (path === BUNDLE_MANIFEST && entry.type === 'File') {
          if ((entry.size ?? 0) > MAX_MANIFEST_BYTES)
            throw new BundleError(`${BUNDLE_MANIFEST} is larger than ${MAX_MANIFEST_BYTES} bytes`);
          const chunks: Buffer[] = [];
          entry.on('data', (c: Buffer) => chunks.push(c));
          entry.on('end', () => (manifestText = Buffer.concat(chunks).toString('utf8')));
          return;
        }
      } catch (err) {
        fail(err as Error);
      }
      entry.resume();
    },
  });
  const gunzipping = gunzipInto(data, parser, () => decompressedCap(unpackedBytes, entries));
  await new Promise<void>((resolve) => {
    parser.on('error', (err: Error) => fail(new BundleError(`corrupt bundle: ${err.message}`)));
    // A truncated stream aborts without 'end' or 'close'.
    parser.on('abort', (err: Error) => {
      fail(new BundleError(`corrupt bundle: ${err.message}`));
      gunzipping.stop();
      resolve();
    });
    parser.on('end', () => resolve());
    parser.on('close', () => resolve());
    gunzipping.done.catch((err: Error) => {
      fail(err);
      resolve();
    });
  });
  if (!failure) {
    try {
      checkLinks(tree);
    } catch (err) {
      fail(err as Error);
    }
  }
  if (failure) throw failure instanceof BundleError ? failure : new BundleError(failure.message);
  if (entries === 0) throw new BundleError('corrupt bundle: no entries');
  if (manifestText === undefined) throw new BundleError(`no ${BUNDLE_MANIFEST} at the bundle root (build it with skiff build)`);
  return { manifest: parseManifest(manifestText), entries, unpackedBytes };
}

/** Parses and checks `skiff-bundle.json`. */
export function parseManifest(text: string): BundleManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BundleError(`${BUNDLE_MANIFEST} is not JSON: ${(err as Error).message}`);
  }
  const m = value as Partial<BundleManifest> | null;
  const problems: string[] = [];
  if (!m || typeof m !== 'object') throw new BundleError(`${BUNDLE_MANIFEST} must be an object`);
  if (m.schema !== 1) problems.push('schema must be 1');
  if (typeof m.name !== 'string' || !m.name) problems.push('name must be a string');
  if (typeof m.lang !== 'string' || !m.lang) problems.push('lang must be a string');
  if (m.fprocess !== undefined && typeof m.fprocess !== 'string') problems.push('fprocess must be a string');
  const env = m.environment;
  if (!env || typeof env !== 'object' || Array.isArray(env) || Object.values(env).some((v) => typeof v !== 'string')) {
    problems.push('environment must map names to strings');
  }
  if (problems.length) throw new BundleError(`${BUNDLE_MANIFEST}: ${problems.join('; ')}`);
  return m as BundleManifest;
}

/**
 * Unpacks a bundle into `dir` (created) after inspectBundle accepted it, with the same cap on
 * decompressed bytes; node-tar's own guards (no absolute paths, no `..`, no writing through
 * links) stay on as a second line. Modes are masked (bundleMode: no setuid, setgid or sticky bit,
 * nothing writable but by the owner) and files belong to the unpacking user, whatever the archive says.
 */
export async function extractBundle(data: Buffer, dir: string, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS): Promise<BundleInspection> {
  const inspection = await inspectBundle(data, limits);
  await mkdir(dir, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const extractor = tar.x({
      cwd: dir,
      strict: true,
      zstd: false,
      preservePaths: false,
      preserveOwner: false,
      noMtime: true,
      filter: (_path, entry) => {
        if ('type' in entry && typeof entry.mode === 'number') entry.mode = bundleMode(entry.type === 'Directory', entry.mode);
        return true;
      },
    });
    const gunzipping = gunzipInto(data, extractor, () => decompressedCap(inspection.unpackedBytes, inspection.entries));
    const failed = (err: Error) => {
      gunzipping.stop();
      reject(err instanceof BundleError ? err : new BundleError(`could not unpack: ${err.message}`));
    };
    extractor.on('error', failed);
    extractor.on('close', () => resolve());
    gunzipping.done.catch(failed);
  });
  await sealTree(dir);
  return inspection;
}

/** Every path under `dir`, relative, sorted, directories before their contents. */
async function listTree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const names = (await readdir(join(dir, prefix))).sort();
  for (const name of names) {
    const rel = prefix ? `${prefix}/${name}` : name;
    out.push(rel);
    const stat = await lstat(join(dir, rel));
    if (stat.isDirectory()) out.push(...(await listTree(dir, rel)));
  }
  return out;
}

/**
 * Packs `dir` (which must hold `skiff-bundle.json`) into a gzipped tarball at `outFile`, with
 * sorted entries, fixed times and no owners, so equal content always gives an equal digest.
 */
export async function packBundle(dir: string, outFile: string): Promise<{ digest: string; size: number }> {
  const files = await listTree(dir);
  if (!files.includes(BUNDLE_MANIFEST)) throw new BundleError(`${dir} has no ${BUNDLE_MANIFEST}`);
  const chunks: Buffer[] = [];
  const stream = tar.c({ cwd: dir, gzip: { level: 6 }, portable: true, mtime: EPOCH, noDirRecurse: true, follow: false }, files);
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  const data = Buffer.concat(chunks);
  await writeFile(outFile, data);
  return { digest: bundleDigest(data), size: data.length };
}
