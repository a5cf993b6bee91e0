// The SandboxLauncher with real processes, inside bubblewrap: what a replica's code sees (uid 65534,
// no capabilities, its own processes only, a read-only minimal root, secrets from memory, a private
// /tmp, neither the data dir nor the project), data handed over inherited descriptors, the data dir
// hidden wherever a bind would show it (#5), and signals reaching the sandboxed process. Without the
// sandbox: sandbox-none.int.ts; limits: sandbox-limits.int.ts.
import 'reflect-metadata';
import { describe, expect, it, jest } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, hostProcesses } from '@skiff/testing';
import { ChildProcessLauncher } from './process-launcher';
import { SandboxLauncher } from './sandbox.launcher';
import { WATCHDOG, filesHolding, noLimits, run, sandboxContext, sandboxed, shell, withBwrap } from './sandbox.int-helper';

jest.setTimeout(60_000);

describe('SandboxLauncher', () => {
  const ctx = sandboxContext();

  withBwrap(
    'runs function code as uid 65534 with no capabilities, its own processes only, in a read-only minimal root (#2, #11)',
    async () => {
      const launcher = new SandboxLauncher(new ChildProcessLauncher(), ctx.options());
      writeFileSync(join(tmpdir(), 'skiff-host-tmp-marker'), 'x');
      const out = await run(
        launcher,
        shell(
          [
            'id -u; id -g; hostname; pwd',
            "grep -E '^(CapEff|CapBnd|NoNewPrivs):' /proc/self/status | tr -s '\\t' ' '",
            "ls /proc | grep -cE '^[0-9]+$'",
            'test -e /etc/shadow && echo shadow=visible || echo shadow=absent',
            `test -e ${ctx.dataDir} && echo data=visible || echo data=hidden`,
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
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), ctx.options());
    const out = await run(
      launcher,
      shell(
        `cat /var/openfaas/secrets/token; echo; echo "dir=$SKIFF_SECRETS_DIR"; (echo x > /var/openfaas/secrets/token) 2>/dev/null || echo secret=ro; sleep 0.3`,
        'fn-bbbbbb',
        noLimits,
      ),
      () => {
        setTimeout(() => expect(filesHolding(ctx.dataDir, 't0ken-value')).toEqual([]), 150);
      },
    );
    expect(out.lines).toEqual(['t0ken-value', 'dir=/var/openfaas/secrets', 'secret=ro']);
    expect(filesHolding(ctx.dataDir, 't0ken-value')).toEqual([]);
  });

  withBwrap('binds the working directory (a bundle) read-only at /home/app and runs the watchdog from /opt/skiff', async () => {
    const bundle = join(ctx.dataDir, 'bundles', 'abc');
    mkdirSync(bundle, { recursive: true });
    writeFileSync(join(bundle, 'run.sh'), 'echo from-bundle');
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), ctx.options());
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
        const launcher = new SandboxLauncher(new ChildProcessLauncher(), { ...ctx.options(), dataDir: innerData });
        const script = `ls -A /home/app/.skiff 2>&1 | grep -c secrets.key; test -e ${innerData} && echo data=visible || echo data=hidden; cat /home/app/package.json`;
        const out = await run(launcher, shell(script, 'fn-dddddd', noLimits, { cwd: install }));
        expect(out.lines).toEqual(['0', 'data=hidden', '{"name":"project"}']);
        expect(() => new SandboxLauncher(new ChildProcessLauncher(), { ...ctx.options(), dataDir: innerData, hostPaths: install })).toThrow(
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
        new SandboxLauncher(new ChildProcessLauncher(), ctx.options()),
        shell(`cat ${shared}/fixture.txt 2>/dev/null || echo closed`, 'fn-eeeeee', noLimits),
      );
      expect(closed.lines).toEqual(['closed']);
      const launcher = new SandboxLauncher(new ChildProcessLauncher(), ctx.options({ hostPaths: `${shared}, ${rw}:rw` }));
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
      const launcher = new SandboxLauncher(new ChildProcessLauncher(), ctx.options({ sandbox: mode }));
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
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), ctx.options());
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
      const launcher = new SandboxLauncher(new ChildProcessLauncher(), ctx.options());
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
});
