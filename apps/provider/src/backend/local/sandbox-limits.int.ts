// The SandboxLauncher's limits with real processes: memory, cpu and pids, by cgroup or rlimit.
import 'reflect-metadata';
import { describe, expect, it, jest } from '@jest/globals';
import { ChildProcessLauncher } from './process-launcher';
import { detectLimitEnforcement } from './replica-limits';
import { SandboxLauncher } from './sandbox.launcher';
import { noLimits, probe, run, sandboxContext, sandboxed, shell } from './sandbox.int-helper';

jest.setTimeout(60_000);

describe('SandboxLauncher limits', () => {
  const ctx = sandboxContext();

  it('writes limits.cpu as a CFS quota (cgroup v1)', async () => {
    const enforcement = detectLimitEnforcement('cgroup');
    if (enforcement.kind !== 'cgroup-v1' || !enforcement.cpu) return; // another kind of host
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), ctx.options({ sandbox: 'none', limits: 'cgroup' }), {
      bwrapMissing: 'test',
      limits: enforcement,
    });
    const out = await run(
      launcher,
      shell(`cat ${enforcement.cpu}/fn-kkkkkk/cpu.cfs_quota_us; grep -c "$$" ${enforcement.cpu}/fn-kkkkkk/cgroup.procs`, 'fn-kkkkkk', {
        ...noLimits,
        limits: { cpuMillis: 250 },
      }),
    );
    expect(out.lines).toEqual(['25000', '1']);
    launcher.release();
  });

  const alloc = (mb: number) =>
    `exec ${process.execPath} -e "const k=[];for(let i=0;i<${mb};i+=8)k.push(Buffer.alloc(8<<20,1));console.log('ok')"`;

  it.each(['rlimit', 'cgroup'] as const)('enforces limits.memory (%s)', async (mode) => {
    const enforcement = detectLimitEnforcement(mode);
    if (mode === 'cgroup' && !enforcement.kind.startsWith('cgroup')) return; // no writable cgroups on this host
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), ctx.options({ sandbox: 'none', limits: mode }), {
      bwrapMissing: 'test',
      limits: enforcement,
    });
    const limited = { ...noLimits, limits: { memoryBytes: 128 * 2 ** 20 } };
    const small = await run(launcher, shell(alloc(16), 'fn-llllll', limited));
    expect(small.lines).toContain('ok');
    const big = await run(launcher, shell(alloc(400), 'fn-mmmmmm', limited));
    expect(big.lines).not.toContain('ok');
    expect(big.code === 0 && big.signal === null).toBe(false);
    launcher.release();
  });

  // Bounded: at most 150 sleeps, killed at the end (dash gives up at the first failed fork).
  const bomb =
    'i=0; (while [ $i -lt 150 ]; do sleep 20 & echo $! >> /tmp/bomb-$$; i=$((i+1)); done) 2>/dev/null; wc -l < /tmp/bomb-$$; kill $(cat /tmp/bomb-$$) 2>/dev/null; rm -f /tmp/bomb-$$';

  it.each([
    ['cgroup', 'bwrap'],
    ['cgroup', 'none'],
    ['rlimit', 'bwrap'],
  ] as const)('bounds processes with SKIFF_REPLICA_PIDS_MAX (%s, SKIFF_SANDBOX=%s)', async (mode, sandbox) => {
    const enforcement = detectLimitEnforcement(mode);
    if (mode === 'cgroup' && !(enforcement.kind === 'cgroup-v2' || (enforcement.kind === 'cgroup-v1' && enforcement.pids))) return; // no pids cgroup here
    if (mode === 'rlimit' && (enforcement.kind !== 'rlimit' || !enforcement.nprocFlag)) return; // RLIMIT_NPROC is only set for a uid of the replicas' own
    if (sandbox === 'bwrap' && !sandboxed) return;
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), ctx.options({ sandbox, limits: mode }), {
      ...(sandbox === 'bwrap' ? probe.capabilities : { bwrapMissing: 'test' }),
      limits: enforcement,
    });
    const out = await run(launcher, shell(bomb, `fn-pids-${mode}-${sandbox}`, { ...noLimits, limits: { pidsMax: 40 } }));
    expect(Number(out.lines.at(-1))).toBeLessThan(40);
    launcher.release();
  });
});
