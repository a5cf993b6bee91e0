import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/** Root of the Skiff repository this CLI runs from (holds templates/ and store/), found from this file. */
export function repoRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'templates')) && existsSync(join(dir, 'package.json'))) return (root = dir);
    if (dirname(dir) === dir) return (root = process.cwd());
  }
}

/** The built-in templates folder. */
export function builtinTemplatesDir(): string {
  return join(repoRoot(), 'templates');
}

/** The built-in function store folder. */
export function builtinStoreDir(): string {
  return join(repoRoot(), 'store');
}
