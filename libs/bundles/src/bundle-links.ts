import { posix } from 'node:path';
import { BundleError } from './bundle-error';

/** One archive entry as the link check sees it. */
export interface LinkCheckEntry {
  /** node-tar's entry type (`File`, `Directory`, `SymbolicLink`, `Link`, ...). */
  type: string;
  /** Target of a link. */
  linkpath?: string;
}

/** Most links followed while resolving one target (the kernel's own limit is 40). */
const MAX_HOPS = 40;

const outside = (link: string, target: string) => new BundleError(`link "${link}" points outside the bundle (${target})`);

/**
 * Resolves `target` from the directory `start` (path components below the root) the way the
 * kernel would once the archive is unpacked, following the archive's own symbolic links; throws
 * when any step leaves the root. Returns the components of the resolved path.
 */
function resolveInside(
  entries: ReadonlyMap<string, LinkCheckEntry>,
  start: string[],
  target: string,
  link: string,
  hops: { n: number },
): string[] {
  let stack = [...start];
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!stack.length) throw outside(link, target);
      stack.pop();
      continue;
    }
    stack.push(part);
    const here = entries.get(stack.join('/'));
    if (here?.type !== 'SymbolicLink') continue;
    if (++hops.n > MAX_HOPS) throw new BundleError(`link "${link}" goes through more than ${MAX_HOPS} links`);
    stack.pop();
    stack = resolveInside(entries, stack, here.linkpath ?? '', link, hops);
  }
  return stack;
}

const parentParts = (path: string): string[] => (posix.dirname(path) === '.' ? [] : posix.dirname(path).split('/'));

/**
 * Checks every link of an archive against all the others (a chain such as `a→.`, `b→a/..`,
 * `c→b/..` passes a check of each link alone): a symbolic link must resolve inside the root
 * through any chain, no entry may be written through a symbolic link (even one pointing inside),
 * and a hard link may not point to a symbolic link (the copy would resolve from another folder)
 * or through one. `entries` holds normalised paths relative to the root.
 */
export function checkLinks(entries: ReadonlyMap<string, LinkCheckEntry>): void {
  const isSymlink = (path: string) => entries.get(path)?.type === 'SymbolicLink';
  for (const [path, entry] of entries) {
    for (let dir = posix.dirname(path); dir !== '.'; dir = posix.dirname(dir)) {
      if (isSymlink(dir)) throw new BundleError(`entry "${path}" would be written through the link "${dir}"`);
    }
    if (entry.type === 'SymbolicLink') resolveInside(entries, parentParts(path), entry.linkpath ?? '', path, { n: 0 });
    if (entry.type === 'Link') {
      const target = posix.normalize(entry.linkpath ?? '');
      if (isSymlink(target)) throw new BundleError(`hard link "${path}" points to the symbolic link "${target}"`);
      resolveInside(entries, [], posix.dirname(target), path, { n: 0 });
      for (let dir = posix.dirname(target); dir !== '.'; dir = posix.dirname(dir)) {
        if (isSymlink(dir)) throw new BundleError(`hard link "${path}" points through the link "${dir}"`);
      }
    }
  }
}
