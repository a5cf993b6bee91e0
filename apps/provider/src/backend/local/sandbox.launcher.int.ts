// The SandboxLauncher with real processes: bubblewrap's view (secrets at /var/openfaas/secrets,
// private /tmp, hidden data dir, signals reaching the sandboxed process), the unsandboxed
// fallback (SKIFF_SECRETS_DIR), and memory limits by cgroup or RLIMIT_DATA.
import 'reflect-metadata';
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildProcessLauncher, LaunchSpec, ProcessLauncher } from './process-launcher';
import { detectLimitEnforcement } from './replica-limits';
import { ReplicaSandboxSpec } from './replica-sandbox';
import { SandboxLauncher, detectBwrap } from './sandbox.launcher';

jest.setTimeout(60_000);

interface Ran {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
}

function run(launcher: ProcessLauncher, spec: LaunchSpec, onStart?: (kill: (s: NodeJS.Signals) => void, lines: string[]) => void): Promise<Ran> {
  return new Promise((resolve) => {
    const lines: string[] = [];
    const proc = launcher.launch(spec);
    proc.onLine((_stream, line) => lines.push(line));
    proc.onExit((code, signal) => setTimeout(() => resolve({ lines, code, signal }), 50));
    onStart?.((s) => proc.kill(s), lines);
  });
}

function shell(script: string, instance: string, sandbox: ReplicaSandboxSpec): LaunchSpec {
  return { command: '/bin/sh', args: ['-c', script], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SKIFF_INSTANCE: instance }, cwd: '/', sandbox };
}

const noLimits: ReplicaSandboxSpec = { secrets: [{ name: 'token', value: Buffer.from('t0ken') }], readOnlyRoot: false, limits: {} };
const bwrap = detectBwrap('auto');

describe('SandboxLauncher', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'skiff-sandbox-'));
    writeFileSync(join(dataDir, 'secrets.key'), 'do not read');
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  (bwrap.bwrap ? it : it.skip)('with bubblewrap: secrets at /var/openfaas/secrets, private /tmp, data dir hidden, read-only root', async () => {
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), { dataDir, sandbox: 'bwrap', limits: 'none' });
    writeFileSync(join(tmpdir(), 'skiff-host-tmp-marker'), 'x');
    const out = await run(
      launcher,
      shell(
        `cat /var/openfaas/secrets/token; echo; echo "dir=$SKIFF_SECRETS_DIR"; ls /tmp | grep -c skiff-host-tmp-marker; ` +
          `test -e ${dataDir}/secrets.key && echo key=visible || echo key=hidden; echo w > /var/tmp/skiff-sbx-probe-$$ && echo root=rw && rm /var/tmp/skiff-sbx-probe-$$`,
        'fn-aaaaaa',
        noLimits,
      ),
    );
    expect(out.lines).toEqual(['t0ken', 'dir=/var/openfaas/secrets', '0', 'key=hidden', 'root=rw']);
    expect(existsSync(join(dataDir, 'replicas', String(process.pid), 'fn-aaaaaa'))).toBe(false);

    const ro = await run(launcher, shell('(echo w > /var/tmp/skiff-ro-$$) 2>/dev/null && echo root=rw || echo root=ro; echo t > /tmp/x && echo tmp=rw', 'fn-bbbbbb', { ...noLimits, readOnlyRoot: true }));
    expect(ro.lines).toEqual(['root=ro', 'tmp=rw']);
  });

  (bwrap.bwrap ? it : it.skip)('runs an installation that lives under /tmp, still hiding a data dir inside it', async () => {
    const install = mkdtempSync(join(tmpdir(), 'skiff-install-'));
    try {
      mkdirSync(join(install, 'node_modules'));
      mkdirSync(join(install, 'bin'));
      writeFileSync(join(install, 'package.json'), '{}');
      const innerData = join(install, '.skiff');
      mkdirSync(innerData);
      writeFileSync(join(innerData, 'secrets.key'), 'do not read');
      writeFileSync(join(install, 'bin', 'run.sh'), `echo ran; test -e ${innerData}/secrets.key && echo key=visible || echo key=hidden; cat /var/openfaas/secrets/token; echo`);
      const launcher = new SandboxLauncher(new ChildProcessLauncher(), { dataDir: innerData, sandbox: 'bwrap', limits: 'none' });
      const out = await run(launcher, { command: '/bin/sh', args: [join(install, 'bin', 'run.sh')], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SKIFF_INSTANCE: 'fn-hhhhhh' }, cwd: '/', sandbox: noLimits });
      expect(out.lines).toEqual(['ran', 'key=hidden', 't0ken']);
    } finally {
      rmSync(install, { recursive: true, force: true });
    }
  });

  (bwrap.bwrap ? it : it.skip)('delivers SIGTERM to the sandboxed process (bubblewrap does not forward it)', async () => {
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), { dataDir, sandbox: 'bwrap', limits: 'none' });
    const out = await run(launcher, shell('trap "echo got-term; exit 0" TERM; echo up; while :; do sleep 0.1; done', 'fn-cccccc', noLimits), (kill, lines) => {
      const timer = setInterval(() => {
        if (lines.includes('up')) {
          clearInterval(timer);
          kill('SIGTERM');
        }
      }, 50);
    });
    expect(out.lines).toContain('got-term');
    expect(out.code).toBe(0);
  });

  it('without bubblewrap: secrets in the private directory named by SKIFF_SECRETS_DIR, removed at exit', async () => {
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), { dataDir, sandbox: 'none', limits: 'none' });
    const out = await run(launcher, shell('cat "$SKIFF_SECRETS_DIR/token"; echo; stat -c %a "$SKIFF_SECRETS_DIR/token"; echo "$SKIFF_SECRETS_DIR"', 'fn-dddddd', noLimits));
    expect(out.lines.slice(0, 2)).toEqual(['t0ken', '400']);
    expect(out.lines[2]).toBe(join(dataDir, 'replicas', String(process.pid), 'fn-dddddd', 'secrets'));
    expect(existsSync(out.lines[2])).toBe(false);
  });

  it('removes the replica directories a dead provider left behind', () => {
    const stale = join(dataDir, 'replicas', '999999999', 'fn-old', 'secrets');
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, 'token'), 'left over');
    new SandboxLauncher(new ChildProcessLauncher(), { dataDir, sandbox: 'none', limits: 'none' });
    expect(existsSync(join(dataDir, 'replicas', '999999999'))).toBe(false);
  });

  it('writes limits.cpu as a CFS quota (cgroup v1)', async () => {
    const enforcement = detectLimitEnforcement('cgroup');
    if (enforcement.kind !== 'cgroup-v1' || !enforcement.cpu) return; // another kind of host
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), { dataDir, sandbox: 'none', limits: 'cgroup' }, { bwrapMissing: 'test', limits: enforcement });
    const out = await run(launcher, shell(`cat ${enforcement.cpu}/fn-gggggg/cpu.cfs_quota_us; grep -c "$$" ${enforcement.cpu}/fn-gggggg/cgroup.procs`, 'fn-gggggg', { ...noLimits, limits: { cpuMillis: 250 } }));
    expect(out.lines).toEqual(['25000', '1']);
    launcher.release();
  });

  const alloc = (mb: number) => `exec ${process.execPath} -e "const k=[];for(let i=0;i<${mb};i+=8)k.push(Buffer.alloc(8<<20,1));console.log('ok')"`;

  it.each(['rlimit', 'cgroup'] as const)('enforces limits.memory (%s)', async (mode) => {
    const enforcement = detectLimitEnforcement(mode);
    if (mode === 'cgroup' && !enforcement.kind.startsWith('cgroup')) return; // no writable cgroups on this host
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), { dataDir, sandbox: 'none', limits: mode }, { bwrapMissing: 'test', limits: enforcement });
    const limited = { ...noLimits, limits: { memoryBytes: 128 * 2 ** 20 } };
    const small = await run(launcher, shell(alloc(16), 'fn-eeeeee', limited));
    expect(small.lines).toContain('ok');
    const big = await run(launcher, shell(alloc(400), 'fn-ffffff', limited));
    expect(big.lines).not.toContain('ok');
    expect(big.code === 0 && big.signal === null).toBe(false);
    launcher.release();
  });
});
