import { FunctionSupervisor, SupervisorOptions } from './function-supervisor';
import { LaunchSpec, OutputStream, ProcessLauncher, ReplicaProcess } from './process-launcher';
import { ReplicaTemplate } from './replica-template';

class FakeProcess implements ReplicaProcess {
  static nextPid = 1000;
  readonly pid = FakeProcess.nextPid++;
  readonly signals: NodeJS.Signals[] = [];
  exited = false;
  private exitListeners: Array<(code: number | null, signal: NodeJS.Signals | null) => void> = [];
  private lineListeners: Array<(stream: OutputStream, line: string) => void> = [];

  constructor(readonly spec: LaunchSpec) {}

  get instance(): string {
    return this.spec.env.SKIFF_INSTANCE;
  }
  kill(signal: NodeJS.Signals): void {
    if (!this.exited) this.signals.push(signal);
  }
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.exitListeners.push(listener);
  }
  onLine(listener: (stream: OutputStream, line: string) => void): void {
    this.lineListeners.push(listener);
  }
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.exited = true;
    this.exitListeners.forEach((l) => l(code, signal));
  }
  print(line: string): void {
    this.lineListeners.forEach((l) => l('stdout', line));
  }
}

class FakeLauncher implements ProcessLauncher {
  readonly launched: FakeProcess[] = [];
  launch(spec: LaunchSpec): ReplicaProcess {
    const p = new FakeProcess(spec);
    this.launched.push(p);
    return p;
  }
  alive(): FakeProcess[] {
    return this.launched.filter((p) => !p.exited);
  }
}

const OPTIONS: SupervisorOptions = {
  backoffMinMs: 100,
  backoffMaxMs: 1_000,
  stableAfterMs: 10_000,
  rolloutTimeoutMs: 5_000,
  stopGraceMs: 2_000,
};

const template = (fingerprint = 'v1'): ReplicaTemplate => ({
  command: '/usr/bin/node',
  args: ['watchdog.js'],
  env: { fprocess: fingerprint },
  cwd: '/tmp',
  fingerprint,
});

describe('FunctionSupervisor', () => {
  let launcher: FakeLauncher;
  let sut: FunctionSupervisor;
  let events: string[];

  beforeEach(() => {
    jest.useFakeTimers();
    launcher = new FakeLauncher();
    sut = new FunctionSupervisor('echo', 'openfaas-fn', launcher, OPTIONS);
    events = [];
    sut.observe({
      started: (instance) => events.push(`start ${instance}`),
      exited: (_instance, reason) => events.push(`exit ${reason}`),
      line: (instance, _stream, text) => events.push(`line ${instance} ${text}`),
    });
  });

  afterEach(() => jest.useRealTimers());

  const readyAll = () => launcher.alive().forEach((p) => sut.markReady(p.instance));

  describe('apply', () => {
    it('starts the desired number of replicas with a unique instance id each', () => {
      sut.apply(template(), 3);
      expect(launcher.launched).toHaveLength(3);
      const ids = launcher.launched.map((p) => p.instance);
      expect(new Set(ids).size).toBe(3);
      for (const id of ids) expect(id).toMatch(/^echo-[0-9a-f]{6}$/);
      expect(launcher.launched[0].spec.env.fprocess).toBe('v1');
      expect(sut.counts()).toEqual({ running: 3, available: 0 });
    });

    it('counts a replica as available only after it announced ready', () => {
      sut.apply(template(), 2);
      sut.markReady(launcher.launched[0].instance);
      expect(sut.counts()).toEqual({ running: 2, available: 1 });
      sut.markGone(launcher.launched[0].instance);
      expect(sut.counts()).toEqual({ running: 2, available: 0 });
    });

    it('scales down by SIGTERMing the extra replicas, not-ready ones first', () => {
      sut.apply(template(), 3);
      sut.markReady(launcher.launched[0].instance);
      sut.markReady(launcher.launched[1].instance);
      sut.apply(template(), 2);
      expect(launcher.launched.map((p) => p.signals)).toEqual([[], [], ['SIGTERM']]);
      launcher.launched[2].exit(0);
      expect(events).toContain('exit stopped');
      expect(launcher.launched).toHaveLength(3);
    });

    it('SIGKILLs a replica that does not stop within the grace', () => {
      sut.apply(template(), 1);
      sut.apply(template(), 0);
      jest.advanceTimersByTime(OPTIONS.stopGraceMs);
      expect(launcher.launched[0].signals).toEqual(['SIGTERM', 'SIGKILL']);
      launcher.launched[0].exit(null, 'SIGKILL');
      expect(events).toContain('exit killed');
    });

    it('does nothing when only the count is re-applied unchanged', () => {
      sut.apply(template(), 2);
      sut.apply(template(), 2);
      expect(launcher.launched).toHaveLength(2);
    });
  });

  describe('crashes', () => {
    it('restarts a crashed replica after the backoff, doubling per consecutive crash', () => {
      sut.apply(template(), 1);
      launcher.launched[0].exit(1);
      expect(events).toContain('exit crashed');
      expect(launcher.launched).toHaveLength(1);
      jest.advanceTimersByTime(99);
      expect(launcher.launched).toHaveLength(1);
      jest.advanceTimersByTime(1);
      expect(launcher.launched).toHaveLength(2);

      launcher.launched[1].exit(1);
      jest.advanceTimersByTime(199);
      expect(launcher.launched).toHaveLength(2);
      jest.advanceTimersByTime(1);
      expect(launcher.launched).toHaveLength(3);
    });

    it('caps the backoff', () => {
      sut.apply(template(), 1);
      for (let i = 0; i < 10; i++) {
        launcher.alive()[0].exit(1);
        jest.advanceTimersByTime(OPTIONS.backoffMaxMs);
      }
      expect(launcher.launched).toHaveLength(11);
    });

    it('resets the backoff after a replica ran a while', () => {
      sut.apply(template(), 1);
      launcher.launched[0].exit(1);
      jest.advanceTimersByTime(100);
      launcher.launched[1].exit(1);
      jest.advanceTimersByTime(200);
      jest.advanceTimersByTime(OPTIONS.stableAfterMs);
      launcher.launched[2].exit(1);
      jest.advanceTimersByTime(100);
      expect(launcher.launched).toHaveLength(4);
    });

    it('keeps the other replicas running while one restarts', () => {
      sut.apply(template(), 3);
      readyAll();
      launcher.launched[1].exit(null, 'SIGKILL');
      expect(sut.counts()).toEqual({ running: 2, available: 2 });
      jest.advanceTimersByTime(100);
      expect(launcher.alive()).toHaveLength(3);
      expect(launcher.launched[0].signals).toEqual([]);
    });

    it('does not restart a replica it stopped itself', () => {
      sut.apply(template(), 1);
      sut.apply(template(), 0);
      launcher.launched[0].exit(0);
      jest.advanceTimersByTime(10_000);
      expect(launcher.launched).toHaveLength(1);
    });
  });

  describe('rollout', () => {
    it('starts the new generation first and stops old replicas only as new ones become ready', () => {
      sut.apply(template('v1'), 2);
      readyAll();
      const [old1, old2] = launcher.launched;
      sut.apply(template('v2'), 2);
      const fresh = launcher.launched.slice(2);
      expect(fresh.map((p) => p.spec.env.fprocess)).toEqual(['v2', 'v2']);
      expect(old1.signals).toEqual([]);
      expect(old2.signals).toEqual([]);

      sut.markReady(fresh[0].instance);
      expect([old1, old2].filter((p) => p.signals.includes('SIGTERM'))).toHaveLength(1);
      sut.markReady(fresh[1].instance);
      expect(old1.signals).toEqual(['SIGTERM']);
      expect(old2.signals).toEqual(['SIGTERM']);
    });

    it('stops the old generation after the rollout timeout even if the new one never gets ready', () => {
      sut.apply(template('v1'), 1);
      readyAll();
      sut.apply(template('v2'), 1);
      jest.advanceTimersByTime(OPTIONS.rolloutTimeoutMs - 1);
      expect(launcher.launched[0].signals).toEqual([]);
      jest.advanceTimersByTime(1);
      expect(launcher.launched[0].signals).toEqual(['SIGTERM']);
    });

    it('does not restart an old-generation replica that crashes during the rollout', () => {
      sut.apply(template('v1'), 1);
      readyAll();
      sut.apply(template('v2'), 1);
      launcher.launched[0].exit(1);
      jest.advanceTimersByTime(1_000);
      expect(launcher.launched.map((p) => p.spec.env.fprocess)).toEqual(['v1', 'v2']);
    });
  });

  describe('remove', () => {
    it('SIGTERMs every replica and resolves once all have exited', async () => {
      sut.apply(template(), 2);
      let done = false;
      const removed = sut.remove().then(() => (done = true));
      expect(launcher.launched.map((p) => p.signals)).toEqual([['SIGTERM'], ['SIGTERM']]);
      launcher.launched[0].exit(0);
      await Promise.resolve();
      expect(done).toBe(false);
      launcher.launched[1].exit(0);
      await removed;
      sut.apply(template(), 2);
      expect(launcher.launched).toHaveLength(2);
    });
  });

  it('reports output lines with the instance id', () => {
    sut.apply(template(), 1);
    launcher.launched[0].print('hello');
    expect(events).toContain(`line ${launcher.launched[0].instance} hello`);
  });

  it('backs off when the launch itself throws', () => {
    const failing: ProcessLauncher = {
      launch: jest.fn(() => {
        throw new Error('EAGAIN');
      }),
    };
    const s = new FunctionSupervisor('bad', 'openfaas-fn', failing, OPTIONS);
    s.apply(template(), 3);
    expect(failing.launch).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(100);
    expect(failing.launch).toHaveBeenCalledTimes(2);
  });
});
