// The SandboxLauncher with real processes, without the sandbox: refused unless SKIFF_SANDBOX=none
// says so, then secrets in a private tmpfs folder (never under the data dir), and what a dead
// provider left behind removed.
import 'reflect-metadata';
import { describe, expect, it, jest } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildProcessLauncher } from './process-launcher';
import { SandboxLauncher } from './sandbox.launcher';
import { filesHolding, noLimits, run, sandboxContext, shell } from './sandbox.int-helper';

jest.setTimeout(60_000);

describe('SandboxLauncher without the sandbox', () => {
  const ctx = sandboxContext();

  it('refuses every replica without a sandbox unless SKIFF_SANDBOX=none, and SKIFF_SANDBOX=bwrap refuses to start', () => {
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), ctx.options({ sandbox: 'auto' }), {
      bwrapMissing: 'bubblewrap is not installed',
      limits: { kind: 'none' },
    });
    expect(() => launcher.launch(shell('id', 'fn-iiiiii', noLimits))).toThrow(
      /no replica sandbox: bubblewrap is not installed.*SKIFF_SANDBOX=none/,
    );
    expect(
      () =>
        new SandboxLauncher(new ChildProcessLauncher(), ctx.options({ sandbox: 'bwrap' }), {
          bwrapMissing: 'bubblewrap is not installed',
          limits: { kind: 'none' },
        }),
    ).toThrow(/SKIFF_SANDBOX=bwrap/);
  });

  it('without the sandbox (SKIFF_SANDBOX=none): secrets in a private tmpfs folder named by SKIFF_SECRETS_DIR, never under the data dir, removed at exit', async () => {
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), ctx.options({ sandbox: 'none' }));
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
    expect(filesHolding(ctx.dataDir, 't0ken-value')).toEqual([]);
  });

  it('without the sandbox, refuses to write secrets into a tmpfs folder it does not own alone (a link someone planted)', () => {
    const launcher = new SandboxLauncher(new ChildProcessLauncher(), ctx.options({ sandbox: 'none' }));
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
    const stale = [join(ctx.dataDir, 'replicas', '999999999', 'fn-old', 'secrets'), join(shm, '999999999', 'fn-old')];
    for (const dir of stale) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'token'), 'left over');
    }
    new SandboxLauncher(new ChildProcessLauncher(), ctx.options({ sandbox: 'none' }));
    expect(existsSync(join(ctx.dataDir, 'replicas', '999999999'))).toBe(false);
    expect(existsSync(join(shm, '999999999'))).toBe(false);
  });
});
