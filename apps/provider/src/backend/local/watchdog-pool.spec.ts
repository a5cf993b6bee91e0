import { LaunchSpec, OutputStream, ProcessLauncher, ReplicaProcess } from './process-launcher';
import { ADOPT_FD_ENV, WatchdogPool, WatchdogPoolOptions } from './watchdog-pool';

class FakeProcess implements ReplicaProcess {
  static nextPid = 2000;
  readonly pid = FakeProcess.nextPid++;
  readonly signals: NodeJS.Signals[] = [];
  private exitListeners: Array<(code: number | null, signal: NodeJS.Signals | null) => void> = [];

  constructor(readonly spec: LaunchSpec) {}

  kill(signal: NodeJS.Signals): void {
    this.signals.push(signal);
  }
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.exitListeners.push(listener);
  }
  onLine(_listener: (stream: OutputStream, line: string) => void): void {}
  exit(code: number | null): void {
    this.exitListeners.forEach((l) => l(code, null));
  }
  /** What the process reads on its adoption descriptor (the promise stays pending until adopted). */
  adoption(): Promise<Uint8Array> | Uint8Array | undefined {
    return this.spec.inheritData?.find((d) => d.env === ADOPT_FD_ENV)?.data;
  }
}

class FakeLauncher implements ProcessLauncher {
  readonly launched: FakeProcess[] = [];
  launch(spec: LaunchSpec): ReplicaProcess {
    const p = new FakeProcess(spec);
    this.launched.push(p);
    return p;
  }
}

const LIMITS = { memoryBytes: 512 * 2 ** 20, cpuMillis: undefined, pidsMax: 256 };

const options = (size = 1): WatchdogPoolOptions => ({
  size,
  command: '/usr/bin/node',
  args: ['/opt/watchdog.js'],
  env: { PATH: '/usr/bin', SKIFF_SUBJECT_PREFIX: 'p' },
  sandbox: { secrets: [], readOnlyRoot: false, limits: LIMITS },
  sandboxedEnv: (env) => ({ ...env, SKIFF_SECRETS_DIR: '/var/openfaas/secrets' }),
  refillDelayMs: 10,
  retryMs: 10,
});

/** A replica launch as the supervisor makes it for a function without a bundle, secrets or limits. */
const replica = (over: Partial<LaunchSpec> = {}): LaunchSpec => ({
  command: '/usr/bin/node',
  args: ['/opt/watchdog.js'],
  env: { PATH: '/usr/bin', SKIFF_FUNCTION_NAME: 'echo', SKIFF_INSTANCE: 'echo-1', fprocess: 'cat' },
  sandbox: { secrets: [], readOnlyRoot: false, limits: { ...LIMITS } },
  inheritData: [{ env: 'SKIFF_NATS_CREDS_FD', data: Promise.resolve(Buffer.from('creds of echo-1')) }],
  ...over,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('WatchdogPool', () => {
  let inner: FakeLauncher;
  let pool: WatchdogPool;

  beforeEach(() => {
    inner = new FakeLauncher();
  });
  afterEach(() => pool?.close());

  it('starts its watchdogs with the platform environment only and a pending adoption descriptor', () => {
    pool = new WatchdogPool(inner, options(2));
    pool.start();
    expect(inner.launched).toHaveLength(2);
    const [first] = inner.launched;
    expect(first.spec.env).toEqual({
      PATH: '/usr/bin',
      SKIFF_SUBJECT_PREFIX: 'p',
      SKIFF_POOLED: '1',
      SKIFF_INSTANCE: expect.stringMatching(/^pool-/),
    });
    expect(first.spec.cwd).toBeUndefined();
    expect(first.spec.sandbox).toEqual({ secrets: [], readOnlyRoot: false, limits: LIMITS });
    expect(first.adoption()).toBeInstanceOf(Promise);
  });

  it('gives a fitting replica a pooled watchdog: its environment and credentials go in the adoption message', async () => {
    pool = new WatchdogPool(inner, options());
    pool.start();
    const pooled = inner.launched[0];
    const proc = pool.launch(replica());
    expect(proc).toBe(pooled);
    const message = JSON.parse(Buffer.from(await pooled.adoption()!).toString());
    expect(message.env).toEqual({
      PATH: '/usr/bin',
      SKIFF_FUNCTION_NAME: 'echo',
      SKIFF_INSTANCE: 'echo-1',
      fprocess: 'cat',
      SKIFF_SECRETS_DIR: '/var/openfaas/secrets',
    });
    expect(Buffer.from(message.data.SKIFF_NATS_CREDS_FD, 'base64').toString()).toBe('creds of echo-1');
  });

  it('chained per mode: an http pool serves only what it accepts, the rest goes on to the general pool', () => {
    const general = new WatchdogPool(inner, options());
    const http = new WatchdogPool(general, {
      ...options(),
      env: { ...options().env, SKIFF_POOL_WARM: 'http' },
      accepts: (spec) => spec.env.mode === 'http',
    });
    pool = http;
    general.start();
    http.start();
    // The http pool starts its own watchdogs through the general pool, which does not adopt them for itself.
    expect(inner.launched.map((p) => p.spec.env.SKIFF_POOL_WARM)).toEqual([undefined, 'http']);
    const [generalWatchdog, httpWatchdog] = inner.launched;
    expect(http.launch(replica())).toBe(generalWatchdog);
    expect(http.launch(replica({ env: { SKIFF_INSTANCE: 'echo-2', mode: 'http' } }))).toBe(httpWatchdog);
    general.close();
  });

  it('uses a pooled watchdog once, then starts a fresh one for the pool', async () => {
    pool = new WatchdogPool(inner, options());
    pool.start();
    expect(pool.launch(replica())).toBe(inner.launched[0]);
    // The pool is empty until the refill: the next replica is a fresh launch of its own spec.
    const second = pool.launch(replica({ env: { SKIFF_INSTANCE: 'echo-2' } })) as FakeProcess;
    expect(second.spec.env.SKIFF_INSTANCE).toBe('echo-2');
    expect(second.adoption()).toBeUndefined();
    await sleep(50);
    expect(inner.launched).toHaveLength(3);
    expect(inner.launched[2].spec.env.SKIFF_POOLED).toBe('1');
    expect(pool.size).toBe(1);
  });

  it.each([
    ['a bundle (working directory)', { cwd: '/data/bundles/abc' }],
    ['secrets', { sandbox: { secrets: [{ name: 's', value: Buffer.from('v') }], readOnlyRoot: false, limits: LIMITS } }],
    ['limits of its own', { sandbox: { secrets: [], readOnlyRoot: false, limits: { ...LIMITS, memoryBytes: 64 * 2 ** 20 } } }],
    ['another command', { command: '/usr/local/bin/node' }],
    ['other inherited data', { inheritData: [{ env: 'SOMETHING_FD', data: Buffer.from('x') }] }],
    ['no sandbox spec', { sandbox: undefined }],
  ])('launches a replica with %s as a fresh process, leaving the pool alone', (_what, over) => {
    pool = new WatchdogPool(inner, options());
    pool.start();
    const proc = pool.launch(replica(over as Partial<LaunchSpec>)) as FakeProcess;
    expect(proc).not.toBe(inner.launched[0]);
    expect(proc.spec.env.SKIFF_POOLED).toBeUndefined();
    expect(pool.size).toBe(1);
  });

  it('replaces a pooled watchdog that died unused, and kills the unused ones when closed', async () => {
    pool = new WatchdogPool(inner, options());
    pool.start();
    inner.launched[0].exit(1);
    expect(pool.size).toBe(0);
    await sleep(50);
    expect(inner.launched).toHaveLength(2);
    pool.close();
    expect(inner.launched[1].signals).toEqual(['SIGKILL']);
    // Closed: launches go to the inner launcher, nothing is started again.
    expect((pool.launch(replica()) as FakeProcess).spec.env.SKIFF_POOLED).toBeUndefined();
    await sleep(30);
    expect(inner.launched).toHaveLength(3);
  });
});
