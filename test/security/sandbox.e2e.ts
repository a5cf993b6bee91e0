// Attacker tests for the local backend's replica sandbox, run the way the audit ran them: an
// anonymous caller invokes a classic `bash` function, so each call's body is the script function
// code runs (audit #2, #5, #6, #11, #12, #13, #14). Every probe prints what it got; the
// assertions say what must hold.
import { spawn, ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpClient, HttpReply, Platform, REPO_ROOT, hostProcesses, processAlive, waitFor } from '@skiff/testing';
import { makeBundle, manifest, pushBundle } from './bundle-fixture';

jest.setTimeout(240_000);

const SLOW = 90_000;
const PIDS_MAX = 64;
const tag = randomBytes(4).toString('hex');
/** Places on the host function code must not be able to write to. */
const HOST_TARGETS = [`/root/skiff-sbx-${tag}`, `/etc/skiff-sbx-${tag}`, `/skiff-sbx-${tag}`, `/var/tmp/skiff-sbx-${tag}`];
const REMOUNT_TARGET = `/skiff-sbx-remount-${tag}`;

/** Host pids of the processes whose environment has every one of `entries` (`NAME=value`). */
const hostPidsWithEnv = (...entries: string[]) => hostProcesses((p) => entries.every((e) => p.env.includes(e)));

/** Every regular file under `dir` (the data dir), recursively. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** The limit files of the cgroups a host process is in (v1: per controller; v2: the unified one). */
function cgroupLimits(pid: number): { memory?: string; pids?: string } {
  const out: { memory?: string; pids?: string } = {};
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')) {
    const [, controllers, path] = line.split(':');
    const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined);
    if (controllers === '') {
      out.memory ??= read(join('/sys/fs/cgroup', path, 'memory.max'));
      out.pids ??= read(join('/sys/fs/cgroup', path, 'pids.max'));
    }
    if (controllers.split(',').includes('memory')) out.memory = read(join('/sys/fs/cgroup/memory', path, 'memory.limit_in_bytes'));
    if (controllers.split(',').includes('pids')) out.pids = read(join('/sys/fs/cgroup/pids', path, 'pids.max'));
  }
  return out;
}

describe('replica sandbox: what function code can do (audit #2, #5, #6, #11, #12, #13, #14)', () => {
  let platform: Platform;
  let gw: HttpClient;
  let anon: HttpClient;
  let hostSleeper: ChildProcess;
  const victimSecret = `victim-${randomBytes(8).toString('hex')}`;
  const prefix = process.env.SKIFF_SUBJECT_PREFIX ?? '';

  beforeAll(async () => {
    platform = await Platform.start({ serviceEnv: { provider: { SKIFF_REPLICA_PIDS_MAX: String(PIDS_MAX) } } });
    gw = platform.client();
    anon = platform.anonymousClient();
    hostSleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    expect((await gw.post('/system/secrets', { name: 'victim-token', value: victimSecret })).status).toBe(202);
    for (const spec of [
      { service: 'victim', image: 'any', envProcess: 'cat', secrets: ['victim-token'] },
      { service: 'probe', image: 'any', envProcess: 'bash' },
    ]) {
      expect((await gw.post('/system/functions', spec)).status).toBe(202);
    }
    await answer('victim', 'ping', (r) => r.text === 'ping');
    await answer('probe', 'echo up', (r) => r.text.trim() === 'up');
  });

  afterAll(async () => {
    hostSleeper?.kill('SIGKILL');
    await platform?.stop();
    for (const target of [...HOST_TARGETS, REMOUNT_TARGET]) rmSync(target, { force: true });
  });

  async function eventually<T>(what: string, probe: () => T | Promise<T>, timeoutMs = SLOW): Promise<NonNullable<T>> {
    try {
      return await waitFor(what, probe, timeoutMs, 250);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- service output (tail) ---\n${platform.logs().slice(-12_000)}`);
    }
  }

  /** Calls a function anonymously until it answers 200 and `accept` likes the reply. */
  function answer(fn: string, body: string, accept: (r: HttpReply) => boolean = () => true): Promise<HttpReply> {
    return eventually(`/function/${fn} to answer`, async () => {
      const reply = await anon.post(`/function/${fn}`, body, { timeoutMs: 60_000 });
      return reply.status === 200 && accept(reply) ? reply : undefined;
    });
  }

  /** Runs `script` as the probe function's code and returns what it printed (whatever its last command returned). */
  async function run(script: string): Promise<string> {
    return (await answer('probe', `${script}\nexit 0\n`)).text;
  }

  it('#2 function code does not run as root', async () => {
    const out = await run('id -u; id -g');
    expect(out.trim().split('\n')).not.toContain('0');
  });

  it('#2 function code has no capabilities and no_new_privs', async () => {
    const out = await run("grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status");
    expect(out).toMatch(/^CapEff:\s+0{16}$/m);
    expect(out).toMatch(/^CapPrm:\s+0{16}$/m);
    expect(out).toMatch(/^CapBnd:\s+0{16}$/m);
    expect(out).toMatch(/^NoNewPrivs:\s+1$/m);
  });

  it('#2 #11 cannot write to /root, /etc, / or /var/tmp; nothing lands on the host', async () => {
    const out = await run(HOST_TARGETS.map((t) => `(echo x > ${t}) 2>/dev/null && echo "${t}=written" || echo "${t}=refused"`).join('\n'));
    expect(out.trim().split('\n')).toEqual(HOST_TARGETS.map((t) => `${t}=refused`));
    for (const target of HOST_TARGETS) expect(existsSync(target)).toBe(false);
  });

  it('#2 cannot read /etc/shadow', async () => {
    const out = await run('cat /etc/shadow 2>/dev/null | wc -l; test -r /etc/shadow && echo readable || echo unreadable');
    expect(out.trim().split('\n')).toEqual(['0', 'unreadable']);
  });

  it('#2 #13 sees only its own processes: no host process, no environment of the platform', async () => {
    const hostPids = [process.pid, platform.process('gateway').child.pid!, platform.process('provider').child.pid!, hostSleeper.pid!];
    const out = await run(
      `ls /proc | grep -E '^[0-9]+$' | wc -l; for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null; echo; done; ` +
        hostPids.map((p) => `tr '\\0' '\\n' < /proc/${p}/environ 2>/dev/null | grep -c SKIFF_ADMIN_PASSWORD`).join('; '),
    );
    const [count, ...rest] = out.trim().split('\n');
    expect(Number(count)).toBeLessThan(12);
    expect(rest.join('\n')).not.toMatch(/apps\/(gateway|provider)|jest|nats-server|redis-server|sleep 600/);
    expect(rest.filter((l) => /^\d+$/.test(l)).every((n) => n === '0')).toBe(true);
  });

  it("#2 #5 #14 cannot reach the data dir or another function's secret (by path, or through /proc/<pid>/root)", async () => {
    const dataDir = platform.dataDir;
    const victimPids = hostPidsWithEnv(`SKIFF_SUBJECT_PREFIX=${prefix}`, 'SKIFF_FUNCTION_NAME=victim');
    expect(victimPids.length).toBeGreaterThan(0);
    const hostPids = [platform.process('gateway').child.pid!, platform.process('provider').child.pid!, ...victimPids];
    const key = readFileSync(join(dataDir, 'secrets.key'), 'utf8').trim();
    const out = await run(
      [
        `ls -a ${dataDir} 2>&1`,
        `cat ${dataDir}/secrets.key 2>&1`,
        `cat ${dataDir}/replicas/*/*/secrets/victim-token 2>&1`,
        ...hostPids.flatMap((p) => [
          `cat /proc/${p}/root${dataDir}/secrets.key 2>&1`,
          `cat /proc/${p}/root/var/openfaas/secrets/victim-token 2>&1`,
        ]),
        `for p in /proc/[0-9]*; do cat $p/root/var/openfaas/secrets/victim-token $p/root${dataDir}/secrets.key; done 2>/dev/null`,
      ].join('; echo; '),
    );
    expect(out).not.toContain(victimSecret);
    expect(out).not.toContain(key);
    expect(out).not.toMatch(/^(secrets\.key|replicas|bundles)$/m);
  });

  it('#14 secret values are never written under the data dir', async () => {
    // victim runs with its secret right now.
    await answer('victim', 'still here', (r) => r.text === 'still here');
    const holding = filesUnder(platform.dataDir).filter((f) => readFileSync(f).includes(victimSecret));
    expect(holding).toEqual([]);
  });

  it('#11 cannot remount the root read-write or unmount its /tmp', async () => {
    const out = await run(
      `mount -o remount,rw / 2>/dev/null && echo remount=ok || echo remount=refused; ` +
        `mount -o remount,bind,rw / 2>/dev/null && echo rebind=ok || echo rebind=refused; ` +
        `umount -l /tmp 2>/dev/null && echo umount=ok || echo umount=refused; ` +
        `(echo x > ${REMOUNT_TARGET}) 2>/dev/null && echo write=ok || echo write=refused`,
    );
    expect(out.trim().split('\n')).toEqual(['remount=refused', 'rebind=refused', 'umount=refused', 'write=refused']);
    expect(existsSync(REMOUNT_TARGET)).toBe(false);
  });

  it('#2 cannot create namespaces (nested user namespace, mount namespace)', async () => {
    const out = await run(
      'unshare -U -r id -u 2>/dev/null || echo userns=refused; unshare -m true 2>/dev/null && echo mntns=ok || echo mntns=refused',
    );
    expect(out.trim().split('\n')).toEqual(['userns=refused', 'mntns=refused']);
  });

  it('#12 cannot write (or even see) its cgroup files', async () => {
    const out = await run(
      'for f in $(find /sys/fs/cgroup -maxdepth 4 \\( -name cgroup.procs -o -name memory.max -o -name memory.limit_in_bytes -o -name pids.max \\) 2>/dev/null); do test -w $f && echo "writable $f"; done; echo checked',
    );
    expect(out.trim().split('\n')).toEqual(['checked']);
  });

  it("#2 #5 does not see the project's files", async () => {
    const out = await run(
      `cat ${REPO_ROOT}/package.json 2>/dev/null | head -c 200; ls ${REPO_ROOT}/dist/apps ${REPO_ROOT}/apps 2>/dev/null; echo done`,
    );
    expect(out.trim()).toBe('done');
  });

  it('#2 cannot kill a host process', async () => {
    const out = await run(`kill -TERM ${hostSleeper.pid} 2>/dev/null && echo killed || echo refused`);
    expect(out.trim()).toBe('refused');
    expect(processAlive(hostSleeper.pid!)).toBe(true);
    expect(hostSleeper.exitCode).toBeNull();
  });

  it('a pooled watchdog (of either pool) waits with nothing of any function: no function variables, no credentials, no secrets', async () => {
    const pooled = await eventually('a pooled watchdog of the general pool and one of the http pool', () => {
      const pids = hostProcesses((p) => p.env.includes(`SKIFF_SUBJECT_PREFIX=${prefix}`) && p.env.includes('SKIFF_POOLED=1'));
      const http = pids.filter((pid) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes('SKIFF_POOL_WARM=http'));
      return http.length && pids.length > http.length ? pids : undefined;
    });
    for (const pid of pooled) {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(env.filter((e) => /^(SKIFF_FUNCTION_|SKIFF_NATS_CREDS|fprocess=|SKIFF_ADMIN)/.test(e))).toEqual([]);
    }
  });

  it('#12 a pids limit and a default memory limit are always set on the replica', () => {
    // Every replica process of this platform (the sandbox wrapper sets SKIFF_REPLICA_PID), pooled
    // watchdogs included: a pooled one's /proc environ is the pool's, not the function's it was given.
    const pids = hostProcesses(
      (p) => p.env.includes(`SKIFF_SUBJECT_PREFIX=${prefix}`) && p.env.some((e) => e.startsWith('SKIFF_REPLICA_PID=')),
    );
    expect(pids.length).toBeGreaterThan(1);
    for (const pid of pids) {
      const limits = cgroupLimits(pid);
      expect({ pid, pids: limits.pids, memory: Number(limits.memory) }).toEqual({ pid, pids: String(PIDS_MAX), memory: 512 * 2 ** 20 });
    }
  });

  it('#12 a fork bomb is contained by the pids limit, and the platform stays fine', async () => {
    // Bounded on purpose: at most 200 sleeps, all killed at the end (dash gives up on a failed fork).
    const out = await run(
      "sh -c 'i=0; while [ $i -lt 200 ]; do sleep 30 & echo $! >> /tmp/bomb; i=$((i+1)); done' >/dev/null 2>&1; wc -l < /tmp/bomb; kill $(cat /tmp/bomb) 2>/dev/null; rm -f /tmp/bomb",
    );
    expect(Number(out.trim())).toBeLessThan(PIDS_MAX);
    await answer('victim', 'after the bomb', (r) => r.text === 'after the bomb');
    expect((await run('echo alive')).trim()).toBe('alive');
  });

  describe('#6 bundles shared by two functions', () => {
    const image = `sec/shared-${tag}:1`;
    let bundleDir: string;

    beforeAll(async () => {
      const bundle = await makeBundle({ 'skiff-bundle.json': manifest('shared', 'sh run.sh'), 'run.sh': 'echo original\n' });
      expect((await pushBundle(gw, image, bundle)).status).toBe(201);
      bundleDir = join(platform.dataDir, 'bundles', bundle.digest.slice('sha256:'.length));
      for (const spec of [
        { service: 'tenant-a', image, envProcess: 'bash' },
        { service: 'tenant-b', image },
      ]) {
        expect((await gw.post('/system/functions', spec)).status).toBe(202);
      }
      await answer('tenant-b', '', (r) => r.text.trim() === 'original');
    });

    it('#6 one function cannot rewrite the code of another that uses the same bundle', async () => {
      await answer('tenant-a', 'pwd', (r) => r.text.trim().length > 0);
      await answer(
        'tenant-a',
        'for f in run.sh "$PWD/run.sh"; do (echo "echo tampered-by-tenant-a" > "$f") 2>/dev/null; done; mv run.sh gone.sh 2>/dev/null; chmod 777 . run.sh 2>/dev/null; echo tried',
      );
      expect(readFileSync(join(bundleDir, 'run.sh'), 'utf8')).toBe('echo original\n');
      expect(statSync(join(bundleDir, 'run.sh')).mode & 0o022).toBe(0);
      const reply = await answer('tenant-b', '');
      expect(reply.text.trim()).toBe('original');
    });

    it('#6 an unpacked bundle that changed on disk is not reused: it is checked against the digest recorded at unpack time', async () => {
      writeFileSync(join(bundleDir, 'run.sh'), 'echo changed-on-disk\n');
      expect((await gw.post('/system/functions', { service: 'tenant-c', image })).status).toBe(202);
      const reply = await answer('tenant-c', '');
      expect(reply.text.trim()).toBe('original');
    });
  });
});
