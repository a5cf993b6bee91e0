import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * The mode an unpacked bundle's entry gets, whatever the archive said: no setuid, setgid or sticky
 * bit, writable by the owner only; executable files and directories 0755, other files 0644.
 */
export function bundleMode(isDirectory: boolean, archiveMode: number): number {
  return isDirectory || (archiveMode & 0o111) !== 0 ? 0o755 : 0o644;
}

/** Every entry under `dir`, relative, sorted (so a digest does not depend on readdir order). */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(join(dir, prefix))).sort()) {
    const rel = prefix ? `${prefix}/${name}` : name;
    out.push(rel);
    if ((await lstat(join(dir, rel))).isDirectory()) out.push(...(await walk(dir, rel)));
  }
  return out;
}

async function fileHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/**
 * `sha256:<hex>` of an unpacked tree: every path with its type, mode and content (or link target).
 * Recorded when a bundle is unpacked; a tree that no longer matches was changed on disk.
 */
export async function treeDigest(dir: string): Promise<string> {
  const digest = createHash('sha256');
  digest.update(`. ${((await lstat(dir)).mode & 0o7777).toString(8)}\n`);
  for (const rel of await walk(dir)) {
    const path = join(dir, rel);
    const stat = await lstat(path);
    const mode = (stat.mode & 0o7777).toString(8);
    if (stat.isSymbolicLink()) digest.update(`l ${mode} ${rel} ${await readlink(path)}\n`);
    else if (stat.isDirectory()) digest.update(`d ${mode} ${rel}\n`);
    else if (stat.isFile()) digest.update(`f ${mode} ${rel} ${stat.size} ${await fileHash(path)}\n`);
    else digest.update(`? ${mode} ${rel}\n`);
  }
  return `sha256:${digest.digest('hex')}`;
}

/**
 * A cheap fingerprint of the tree's metadata (inode, size, mode, mtime and ctime of every entry):
 * any write, chmod, rename or replacement changes a ctime, which only the kernel sets. Equal
 * fingerprints spare re-hashing the content on every reuse.
 */
export async function treeStatSignature(dir: string): Promise<string> {
  const digest = createHash('sha256');
  for (const rel of ['', ...(await walk(dir))]) {
    const s = await lstat(join(dir, rel), { bigint: true });
    digest.update(`${rel} ${s.ino} ${s.size} ${s.mode} ${s.mtimeNs} ${s.ctimeNs}\n`);
  }
  return digest.digest('hex');
}

/** Sets every entry's mode to bundleMode (the archive's modes only decide "executable or not"). */
export async function sealTree(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const rel of await walk(dir)) {
    const path = join(dir, rel);
    const stat = await lstat(path);
    if (!stat.isSymbolicLink()) await chmod(path, bundleMode(stat.isDirectory(), stat.mode));
  }
}
