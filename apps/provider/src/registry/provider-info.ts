import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ProviderInfo } from '@skiff/contracts';

/** Closest package.json at or above `dir`, or undefined. */
export function findPackageJson(dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    const candidate = join(current, 'package.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(current) === current) return undefined;
  }
}

function gitSha(cwd: string): string | undefined {
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, timeout: 3_000, stdio: ['ignore', 'pipe', 'ignore'] });
    const sha = out.toString().trim();
    return /^[0-9a-f]{7,64}$/.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}

/** What the provider says about itself; computed once at start (it runs git). */
export function readProviderInfo(orchestration: string, shaFromEnv: string, fromDir = __dirname): ProviderInfo {
  const pkgPath = findPackageJson(fromDir);
  let release = 'unknown';
  if (pkgPath) {
    try {
      release = String((JSON.parse(readFileSync(pkgPath, 'utf8')) as { version?: unknown }).version ?? 'unknown');
    } catch {
      // an unreadable package.json only costs the version string
    }
  }
  const sha = shaFromEnv.trim() || (pkgPath && gitSha(dirname(pkgPath))) || 'unknown';
  return { provider: 'skiff', orchestration, version: { release, sha } };
}
