// Shared by the SandboxLauncher's integration suites (sandbox.launcher.int.ts, sandbox-none.int.ts,
// sandbox-limits.int.ts): running a replica and reading its output, shell specs, and whether this host
// has a working bubblewrap.
import { afterAll, afterEach, beforeEach, it } from '@jest/globals';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runsWith } from '@skiff/testing';
import { ChildProcessLauncher, LaunchSpec, ProcessLauncher } from './process-launcher';
import { ReplicaSandboxSpec } from './replica-sandbox';
import { SandboxLauncher, SandboxOptions } from './sandbox.launcher';

/** What one replica printed and how it ended. */
export interface Ran {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs one replica to its end; `onStart` may signal it. */
export function run(
  launcher: ProcessLauncher,
  spec: LaunchSpec,
  onStart?: (kill: (s: NodeJS.Signals) => void, lines: string[]) => void,
): Promise<Ran> {
  return new Promise((resolve) => {
    const lines: string[] = [];
    const proc = launcher.launch(spec);
    proc.onLine((_stream, line) => lines.push(line));
    proc.onExit((code, signal) => setTimeout(() => resolve({ lines, code, signal }), 50));
    onStart?.((s) => proc.kill(s), lines);
  });
}

/** A replica that runs a shell script. */
export function shell(script: string, instance: string, sandbox: ReplicaSandboxSpec, extra: Partial<LaunchSpec> = {}): LaunchSpec {
  return {
    command: '/bin/sh',
    args: ['-c', script],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SKIFF_INSTANCE: instance },
    sandbox,
    ...extra,
  };
}

/** Every file under `dir` that holds `needle`. */
export function filesHolding(dir: string, needle: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && readFileSync(path).includes(needle)) out.push(path);
  }
  return out;
}

export const WATCHDOG = join(REPO_ROOT, 'dist', 'apps', 'watchdog', 'src', 'main.js');
export const noLimits: ReplicaSandboxSpec = {
  secrets: [{ name: 'token', value: Buffer.from('t0ken-value') }],
  readOnlyRoot: true,
  limits: {},
};

const probeDir = mkdtempSync(join(tmpdir(), 'skiff-sandbox-probe-'));
/** A launcher that only probed what this host can do. */
export const probe = new SandboxLauncher(new ChildProcessLauncher(), {
  dataDir: probeDir,
  sandbox: 'auto',
  limits: 'none',
  watchdogEntry: WATCHDOG,
});
// A host without a working bubblewrap fails these tests unless SKIFF_SKIP_SANDBOX_TESTS=1 says to skip them.
export const sandboxed = runsWith(
  'bubblewrap (bwrap)',
  !!probe.capabilities.bwrap,
  'SKIFF_SKIP_SANDBOX_TESTS',
  'apt-get install bubblewrap',
);
export const withBwrap = sandboxed ? it : it.skip;

/** A fresh data dir (holding a key no replica may read) per test, and launcher options using it. */
export function sandboxContext(): { readonly dataDir: string; options(extra?: Partial<SandboxOptions>): SandboxOptions } {
  let dataDir = '';
  afterAll(() => rmSync(probeDir, { recursive: true, force: true }));
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'skiff-sandbox-'));
    writeFileSync(join(dataDir, 'secrets.key'), 'do not read');
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));
  return {
    get dataDir() {
      return dataDir;
    },
    options: (extra = {}) => ({ dataDir, sandbox: 'bwrap', limits: 'none', watchdogEntry: WATCHDOG, ...extra }),
  };
}
