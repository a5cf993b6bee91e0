import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { StartedWatchdog, WatchdogTestBus, fixture, text } from './watchdog.int-helper';
import type { ReplicaEvent } from '@skiff/contracts/messages/replica.event';
import { subjects } from '@skiff/contracts/subjects';
import { ServiceProcess, waitFor } from '@skiff/testing';

// testTimeout is a global jest option (ignored per project): real processes on a busy host need more than 5 s.
jest.setTimeout(60_000);

const exitOf = (proc: ServiceProcess) =>
  proc.running
    ? new Promise<number | null>((resolve) => proc.child.once('exit', (code) => resolve(code)))
    : Promise.resolve(proc.child.exitCode);

/** The port the watchdog's health listener bound, from its log (stdout may trail the ready event). */
const healthPort = (wd: StartedWatchdog) =>
  waitFor('the health port in the log', () => Number(/"healthPort":(\d+)/.exec(wd.proc.log)?.[1]));

describe('watchdog lifecycle', () => {
  let bus: WatchdogTestBus;
  const start = (name: string, env: Record<string, string>) => bus.start(name, env);
  const hello = { mode: 'inproc', handler_module: fixture('inproc-hello.js') };

  beforeAll(async () => {
    bus = await WatchdogTestBus.open();
  });

  afterAll(async () => {
    await bus?.close();
  });

  it('announces replica.ready with its instance id, pid and host', async () => {
    const wd = await start('hello', { ...hello, SKIFF_INSTANCE: 'hello-fixed-1' });
    expect(wd.ready).toMatchObject({ name: 'hello', namespace: 'openfaas-fn', instance: 'hello-fixed-1', pid: wd.proc.child.pid });
    expect(wd.ready.host).toEqual(expect.any(String));
    expect(text(await bus.invoke('hello', {}))).toBe('Hello, World!');
  });

  it('serves a function of another namespace on that namespace only', async () => {
    await start('hello', { ...hello, SKIFF_FUNCTION_NAMESPACE: 'team-a' });
    expect(text(await bus.invoke('hello', {}, 5000, 'team-a'))).toBe('Hello, World!');
  });

  it('answers /_/health and /_/ready on its HTTP port', async () => {
    const wd = await start('probed', hello);
    const port = await healthPort(wd);
    const health = await fetch(`http://127.0.0.1:${port}/_/health`);
    expect([health.status, await health.text()]).toEqual([200, 'OK']);
    expect((await fetch(`http://127.0.0.1:${port}/_/ready`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/elsewhere`)).status).toBe(404);
  });

  it('reports 429 on /_/ready while at max_inflight', async () => {
    const wd = await start('full', { fprocess: 'sleep 2', max_inflight: '1' });
    const call = bus.invoke('full', {});
    await new Promise((r) => setTimeout(r, 500));
    expect((await fetch(`http://127.0.0.1:${await healthPort(wd)}/_/ready`)).status).toBe(429);
    expect((await call).status).toBe(200);
  });

  it('finishes an in-flight call on SIGTERM, announces replica.gone and exits 0', async () => {
    const wd = await start('drain', { fprocess: 'sleep 2' });
    const gone = bus.nc.subscribe(subjects.replicaGoneOf('openfaas-fn', 'drain'), { max: 1 });
    const call = bus.invoke('drain', { body: 'x' });
    await new Promise((r) => setTimeout(r, 500));
    const exit = exitOf(wd.proc);
    wd.proc.child.kill('SIGTERM');
    expect((await call).status).toBe(200);
    expect(await exit).toBe(0);
    for await (const msg of gone) {
      expect((JSON.parse(Buffer.from(msg.data).toString()) as ReplicaEvent).instance).toBe(wd.instance);
    }
    expect(gone.getProcessed()).toBe(1);
  });

  it('no longer takes calls once it has stopped', async () => {
    await expect(bus.invoke('drain', {}, 2000)).rejects.toMatchObject({ status: 503 });
  });

  it('drains and exits when stdin closes with SKIFF_EXIT_ON_STDIN_CLOSE=1', async () => {
    const wd = await start('orphan', { ...hello, SKIFF_EXIT_ON_STDIN_CLOSE: '1' });
    const exit = exitOf(wd.proc);
    wd.proc.child.stdin?.end();
    expect(await exit).toBe(0);
    expect(wd.proc.log).toContain('stdin closed');
  });

  it('exits 1 naming the problem when the configuration is invalid', async () => {
    const proc = ServiceProcess.start('watchdog', {
      SKIFF_FUNCTION_NAME: 'bad',
      mode: 'afterburn',
      fprocess: 'cat',
      SKIFF_WATCHDOG_PORT: 'off',
    });
    try {
      expect(await exitOf(proc)).toBe(1);
      expect(proc.log).toContain('mode \\"afterburn\\" is not supported');
    } finally {
      await proc.stop();
    }
  });
});
