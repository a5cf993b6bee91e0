import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { VersionInfo } from '@skiff/contracts';

function findUp(start: string, file: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, file))) return join(dir, file);
    if (dirname(dir) === dir) return undefined;
  }
}

function readSha(gitDir: string): string | undefined {
  const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
  if (!head.startsWith('ref: ')) return head;
  const ref = head.slice(5);
  const loose = join(gitDir, ref);
  if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
  const packed = join(gitDir, 'packed-refs');
  if (!existsSync(packed)) return undefined;
  return readFileSync(packed, 'utf8')
    .split('\n')
    .find((line) => line.endsWith(` ${ref}`))
    ?.split(' ')[0];
}

/** The gateway's release (package.json) and commit (`gitSha`, from SKIFF_GIT_SHA, else the checkout's HEAD), read once. */
export function gatewayVersion(gitSha: string): VersionInfo {
  let release = '0.0.0';
  let sha = gitSha;
  try {
    const pkg = findUp(__dirname, 'package.json');
    if (pkg) release = (JSON.parse(readFileSync(pkg, 'utf8')) as { version?: string }).version ?? release;
    if (!sha) {
      const git = findUp(__dirname, '.git');
      sha = (git && readSha(git)) || '';
    }
  } catch {
    // Version info is best effort; the API still answers.
  }
  return { release, sha: sha || 'unknown' };
}

/** `uname -m` style name of the CPU architecture, as OpenFaaS reports it. */
export function machineArch(arch: string = process.arch): string {
  const names: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', arm: 'armv7l', ia32: 'i686' };
  return names[arch] ?? arch;
}
