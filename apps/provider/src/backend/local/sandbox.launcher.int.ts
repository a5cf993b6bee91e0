// The SandboxLauncher with real processes: what a replica's code sees inside bubblewrap (uid 65534,
// no capabilities, its own processes only, a read-only minimal root, secrets from memory, a
// private /tmp, neither the data dir nor the project), data handed over inherited descriptors, the
// data dir hidden wherever a bind would show it (#5), signals reaching the sandboxed process, the
// explicit opt-out, and limits (memory, cpu, pids) by cgroup or rlimit.
import 'reflect-metadata';
import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { chmodSync, existsSync, mkdirSync, symlinkSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, hostProcesses, runsWith } from '@skiff/testing';
import { ChildProcessLauncher, LaunchSpec, ProcessLauncher } from './process-launcher';
import { detectLimitEnforcement } from './replica-limits';
import { ReplicaSandboxSpec } from './replica-sandbox';
import { SandboxLauncher, SandboxOptions } from './sandbox.launcher';

jest.setTimeout(60_000);

interface Ran {
  lines: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
}

function run(
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

function shell(script: string, instance: string, sandbox: ReplicaSandboxSpec, extra: Partial<LaunchSpec> = {}): LaunchSpec {
  return {
    command: '/bin/sh',
    args: ['-c', script],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SKIFF_INSTANCE: instance },
    sandbox,
    ...extra,
  };
}

/** Every file under `dir` that holds `needle`. */
function filesHolding(dir: string, needle: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && readFileSync(path).includes(needle)) out.push(path);
  }
  return out;
}

const WATCHDOG = join(REPO_ROOT, 'dist', 'apps', 'watchdog', 'src', 'main.js');
const noLimits: ReplicaSandboxSpec = { secrets: [{ name: 'token', value: Buffer.from('t0ken-value') }], readOnlyRoot: true, limits: {} };
const probeDir = mkdtempSync(join(tmpdir(), 'skiff-sandbox-probe-'));
const probe = new SandboxLauncher(new ChildProcessLauncher(), {
  dataDir: probeDir,
  sandbox: 'auto',
  limits: 'none',
  watchdogEntry: WATCHDOG,
});
// A host without a working bubblewrap fails these tests unless SKIFF_SKIP_SANDBOX_TESTS=1 says to skip them.
const sandboxed = runsWith('bubblewrap (bwrap)', !!probe.capabilities.bwrap, 'SKIFF_SKIP_SANDBOX_TESTS', 'apt-get install bubblewrap');
const withBwrap = sandboxed ? it : it.skip;

describe('SandboxLauncher', () => {
  afterAll(() => rmSync(probeDir, { recursive: true, force: true }));
  let dataDir: string;
  const options = (extra: Partial<SandboxOptions> = {}): SandboxOptions => ({
    dataDir,
    sandbox: 'bwrap',
    limits: 'none',
    watchdogEntry: WATCHDOG,
    ...extra,
  });
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'skiff-sandbox-'));
    writeFileSync(join(dataDir, 'secrets.key'), 'do not read');
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  withBwrap(
    'runs function code as uid 65534 with no capabilities, its own processes only, in a read-only minimal root (#2, #11)',
    async () => {
      const launcher = new SandboxLauncher(new ChildProcessLauncher(), options());
      writeFileSync(join(tmpdir(), 'skiff-host-tmp-marker'), 'x');
      const out = await run(
        launcher,
        shell(
          [
            'id -u; id -g; hostname; pwd',
            "grep -E '^(CapEff|CapBnd|NoNewPrivs):' /proc/self/status | tr -s '\\t' ' '",
            "ls /proc | grep -cE '^[0-9]+$'",
            'test -e /etc/shadow && echo shadow=visible || echo shadow=absent',
            `test -e ${dataDir} && echo data=visible || echo data=hidden`,
            `test -e ${REPO_ROOT}/package.json && echo project=visible || echo project=hidden`,
            'ls /tmp | grep -c skiff-host-tmp-marker',
            'echo t > /tmp/x && echo tmp=rw',
            '(echo w > /var/tmp/skiff-ro-$$) 2>/dev/null && echo root=rw || echo root=ro',
            '(echo w > /etc/skiff-ro-$$) 2>/dev/null && echo etc=rw || echo etc=ro',
            'unshare -U true 2>/dev/null && echo userns=ok || echo userns=refused',
            'kill -0 1 2>/dev/null; echo "uid of pid 1: $(stat -c %u /proc/1)"',
          ].join('; '),
          'fn-aaaaaa',
          noLimits,
        ),
      );
      expect(out.lines).toEqual([
        '65534',
        '65534',
        'fn-aaaaaa',
        '/home/app',
        'CapEff: 0000000000000000',
        'CapBnd: 0000000000000000',
        'NoNewPrivs: 1',
        expect.stringMatching(/^[1-4]$/),
        'shadow=absent',
        'data=hidden',
        'project=hidden',
        '0',
        'tmp=rw',
        'root=ro',
        'etc=ro',
        'userns=refused',
        'uid of pid 1: 65534',
      ]);
    },
  );

  withBwrap('gives secrets from memory at /var/openfaas/secrets and never writes them under the data dir (#14)', async () => {
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), options());
    const out = await run(
      launcher,
      shell(
        `cat /var/openfaas/secrets/token; echo; echo "dir=$SKIFF_SECRETS_DIR"; (echo x > /var/openfaas/secrets/token) 2>/dev/null || echo secret=ro; sleep 0.3`,
        'fn-bbbbbb',
        noLimits,
      ),
      () => {
        setTimeout(() => expect(filesHolding(dataDir, 't0ken-value')).toEqual([]), 150);
      },
    );
    expect(out.lines).toEqual(['t0ken-value', 'dir=/var/openfaas/secrets', 'secret=ro']);
    expect(filesHolding(dataDir, 't0ken-value')).toEqual([]);
  });

  withBwrap('binds the working directory (a bundle) read-only at /home/app and runs the watchdog from /opt/skiff', async () => {
    const bundle = join(dataDir, 'bundles', 'abc');
    mkdirSync(bundle, { recursive: true });
    writeFileSync(join(bundle, 'run.sh'), 'echo from-bundle');
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), options());
    // The watchdog entry is mapped wherever it appears on the command line.
    const script =
      'sh run.sh; (echo x > run.sh) 2>/dev/null && echo bundle=rw || echo bundle=ro; echo "$1"; test -r "$1" && echo watchdog=readable';
    const out = await run(launcher, { ...shell(script, 'fn-cccccc', noLimits, { cwd: bundle }), args: ['-c', script, 'sh', WATCHDOG] });
    expect(out.lines).toEqual(['from-bundle', 'bundle=ro', '/opt/skiff/dist/apps/watchdog/src/main.js', 'watchdog=readable']);
  });

  withBwrap(
    'hides a data dir that lies inside a bound folder, wherever it is (#5: the project under /tmp, the data dir inside it)',
    async () => {
      const install = mkdtempSync(join(tmpdir(), 'skiff-install-'));
      chmodSync(install, 0o755);
      try {
        const innerData = join(install, '.skiff');
        mkdirSync(innerData);
        writeFileSync(join(innerData, 'secrets.key'), 'do not read');
        writeFileSync(join(install, 'package.json'), '{"name":"project"}');
        const launcher = new SandboxLauncher(new ChildProcessLauncher(), { ...options(), dataDir: innerData });
        const script = `ls -A /home/app/.skiff 2>&1 | grep -c secrets.key; test -e ${innerData} && echo data=visible || echo data=hidden; cat /home/app/package.json`;
        const out = await run(launcher, shell(script, 'fn-dddddd', noLimits, { cwd: install }));
        expect(out.lines).toEqual(['0', 'data=hidden', '{"name":"project"}']);
        expect(() => new SandboxLauncher(new ChildProcessLauncher(), { ...options(), dataDir: innerData, hostPaths: install })).toThrow(
          /contains SKIFF_DATA_DIR/,
        );
      } finally {
        rmSync(install, { recursive: true, force: true });
      }
    },
  );

  withBwrap('opens host paths only when told: read-only, or read-write with :rw', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'skiff-shared-'));
    const rw = mkdtempSync(join(tmpdir(), 'skiff-shared-rw-'));
    chmodSync(shared, 0o755);
    chmodSync(rw, 0o777);
    try {
      writeFileSync(join(shared, 'fixture.txt'), 'fixture');
      const closed = await run(
        new SandboxLauncher(new ChildProcessLauncher(), options()),
        shell(`cat ${shared}/fixture.txt 2>/dev/null || echo closed`, 'fn-eeeeee', noLimits),
      );
      expect(closed.lines).toEqual(['closed']);
      const launcher = new SandboxLauncher(new ChildProcessLauncher(), options({ hostPaths: `${shared}, ${rw}:rw` }));
      const open = await run(
        launcher,
        shell(
          `cat ${shared}/fixture.txt; echo; (echo x > ${shared}/y) 2>/dev/null || echo shared=ro; echo out > ${rw}/written && echo rw=ok`,
          'fn-ffffff',
          noLimits,
        ),
      );
      expect(open.lines).toEqual(['fixture', 'shared=ro', 'rw=ok']);
      expect(readFileSync(join(rw, 'written'), 'utf8')).toBe('out\n');
    } finally {
      rmSync(shared, { recursive: true, force: true });
      rmSync(rw, { recursive: true, force: true });
    }
  });

  it.each([sandboxed ? 'bwrap' : undefined, 'none'].filter((m): m is 'bwrap' | 'none' => !!m))(
    'hands inheritData over inherited descriptors 4, 5, … (SKIFF_SANDBOX=%s)',
    async (mode) => {
      const launcher = new SandboxLauncher(new ChildProcessLauncher(), options({ sandbox: mode }));
      const big = 'x'.repeat(300_000);
      const out = await run(
        launcher,
        shell('echo "$CREDS_FD $OTHER_FD"; cat <&"$CREDS_FD"; echo; wc -c <&"$OTHER_FD"', 'fn-gggggg', noLimits, {
          inheritData: [
            { env: 'CREDS_FD', data: Buffer.from('-----BEGIN NATS USER JWT-----') },
            { env: 'OTHER_FD', data: Buffer.from(big) },
          ],
        }),
      );
      expect(out.lines).toEqual(['4 5', '-----BEGIN NATS USER JWT-----', String(big.length)]);
    },
  );

  withBwrap('delivers SIGTERM to the sandboxed process (bubblewrap does not forward it)', async () => {
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), options());
    const out = await run(
      launcher,
      shell('trap "echo got-term; exit 0" TERM; echo up; while :; do sleep 0.1; done', 'fn-hhhhhh', noLimits),
      (kill, lines) => {
        const timer = setInterval(() => {
          if (lines.includes('up')) {
            clearInterval(timer);
            kill('SIGTERM');
          }
        }, 50);
      },
    );
    expect(out.lines).toContain('got-term');
    expect(out.code).toBe(0);
  });

  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'stops a replica %s-ed while bubblewrap is still building its sandbox, leaving nothing behind',
    async (signal) => {
      if (!sandboxed) return;
      // No cgroups here (they would sweep leftovers): the signal itself must reach the sandbox.
      const launcher = new SandboxLauncher(new ChildProcessLauncher(), options());
      for (const delayMs of [0, 2, 4, 6, 8, 10, 15, 20, 30]) {
        const instance = `fn-early-${signal.toLowerCase()}-${delayMs}`;
        await run(launcher, shell('trap "exit 0" TERM; echo up; while :; do sleep 0.1; done', instance, noLimits), (kill) =>
          setTimeout(() => kill(signal), delayMs),
        );
        await new Promise((r) => setTimeout(r, 100));
        expect({ delayMs, left: hostProcesses((p) => p.env.includes(`SKIFF_INSTANCE=${instance}`)) }).toEqual({ delayMs, left: [] });
      }
    },
  );

  it('refuses every replica without a sandbox unless SKIFF_SANDBOX=none, and SKIFF_SANDBOX=bwrap refuses to start', () => {
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), options({ sandbox: 'auto' }), {
      bwrapMissing: 'bubblewrap is not installed',
      limits: { kind: 'none' },
    });
    expect(() => launcher.launch(shell('id', 'fn-iiiiii', noLimits))).toThrow(
      /no replica sandbox: bubblewrap is not installed.*SKIFF_SANDBOX=none/,
    );
    expect(
      () =>
        new SandboxLauncher(new ChildProcessLauncher(), options({ sandbox: 'bwrap' }), {
          bwrapMissing: 'bubblewrap is not installed',
          limits: { kind: 'none' },
        }),
    ).toThrow(/SKIFF_SANDBOX=bwrap/);
  });

  it('without the sandbox (SKIFF_SANDBOX=none): secrets in a private tmpfs folder named by SKIFF_SECRETS_DIR, never under the data dir, removed at exit', async () => {
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), options({ sandbox: 'none' }));
    const out = await run(
      launcher,
      shell(
        'cat "$SKIFF_SECRETS_DIR/token"; echo; stat -c %a "$SKIFF_SECRETS_DIR/token" "$SKIFF_SECRETS_DIR"; echo "$SKIFF_SECRETS_DIR"',
        'fn-jjjjjj',
        noLimits,
      ),
    );
    expect(out.lines.slice(0, 3)).toEqual(['t0ken-value', '400', '700']);
    expect(out.lines[3]).toBe(join('/dev/shm', `skiff-replicas-${process.getuid?.()}`, String(process.pid), 'fn-jjjjjj'));
    expect(existsSync(out.lines[3])).toBe(false);
    expect(filesHolding(dataDir, 't0ken-value')).toEqual([]);
  });

  it('without the sandbox, refuses to write secrets into a tmpfs folder it does not own alone (a link someone planted)', () => {
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), options({ sandbox: 'none' }));
    const shm = join('/dev/shm', `skiff-replicas-${process.getuid?.()}`);
    const elsewhere = mkdtempSync(join(tmpdir(), 'skiff-planted-'));
    mkdirSync(shm, { recursive: true, mode: 0o700 });
    rmSync(join(shm, String(process.pid)), { recursive: true, force: true });
    symlinkSync(elsewhere, join(shm, String(process.pid)));
    try {
      expect(() => launcher.launch(shell('true', 'fn-planted', noLimits))).toThrow(/not a private folder/);
      expect(readdirSync(elsewhere)).toEqual([]);
    } finally {
      rmSync(join(shm, String(process.pid)), { force: true });
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('removes the secret folders a dead provider left behind (in the tmpfs, and under the data dir where older versions wrote them)', () => {
    const shm = join('/dev/shm', `skiff-replicas-${process.getuid?.()}`);
    const stale = [join(dataDir, 'replicas', '999999999', 'fn-old', 'secrets'), join(shm, '999999999', 'fn-old')];
    for (const dir of stale) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'token'), 'left over');
    }
    new SandboxLauncher(new ChildProcessLauncher(), options({ sandbox: 'none' }));
    expect(existsSync(join(dataDir, 'replicas', '999999999'))).toBe(false);
    expect(existsSync(join(shm, '999999999'))).toBe(false);
  });

  it('writes limits.cpu as a CFS quota (cgroup v1)', async () => {
    const enforcement = detectLimitEnforcement('cgroup');
    if (enforcement.kind !== 'cgroup-v1' || !enforcement.cpu) return; // another kind of host
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), options({ sandbox: 'none', limits: 'cgroup' }), {
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
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), options({ sandbox: 'none', limits: mode }), {
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
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), options({ sandbox, limits: mode }), {
      ...(sandbox === 'bwrap' ? probe.capabilities : { bwrapMissing: 'test' }),
      limits: enforcement,
    });
    const out = await run(launcher, shell(bomb, `fn-pids-${mode}-${sandbox}`, { ...noLimits, limits: { pidsMax: 40 } }));
    expect(Number(out.lines.at(-1))).toBeLessThan(40);
    launcher.release();
  });
});
