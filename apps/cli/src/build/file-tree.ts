import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Handler entries never copied into a build (faas-cli skips build and template; the rest are local artefacts). */
export const HANDLER_SKIP = new Set(['build', 'template', 'node_modules', '.git', '.python_packages', '__pycache__', '.DS_Store']);

/** Adds a folder's files (relative path, executable bit, content or link target) to a hash, sorted. */
export function hashTree(hash: ReturnType<typeof createHash>, dir: string, skip: Set<string> = new Set(), prefix = ''): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir).sort()) {
    if (skip.has(name)) continue;
    const path = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    const stat = lstatSync(path);
    if (stat.isDirectory()) hashTree(hash, path, skip, rel);
    else if (stat.isSymbolicLink()) hash.update(`L ${rel} ${readlinkSync(path)}\n`);
    else if (stat.isFile()) {
      hash.update(`F ${rel} ${stat.mode & 0o111 ? 'x' : '-'} ${stat.size}\n`);
      hash.update(readFileSync(path));
    }
  }
}

/** Copies `src` into `dest` (merging), leaving out entries whose name is in `skip`. */
export function copyTree(src: string, dest: string, skip: Set<string> = new Set()): void {
  cpSync(src, dest, { recursive: true, verbatimSymlinks: true, filter: (from) => from === src || !skip.has(basename(from)) });
}
