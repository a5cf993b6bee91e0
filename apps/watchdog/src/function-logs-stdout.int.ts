import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { ServiceProcess } from '@skiff/testing';
import { WatchdogTestBus, text } from './watchdog.int-helper';

jest.setTimeout(60_000);

/** Waits until everything the process printed has been read. */
async function outputEnded(proc: ServiceProcess): Promise<string> {
  const stdout = proc.child.stdout!;
  if (!stdout.readableEnded) await once(stdout, 'end');
  return proc.log;
}

// SKIFF_FUNCTION_LOGS_STDOUT=false is what the local backend sets: its provider reads every stdout line.
describe('watchdog with SKIFF_FUNCTION_LOGS_STDOUT=false', () => {
  let bus: WatchdogTestBus;

  beforeAll(async () => {
    bus = await WatchdogTestBus.open();
  });

  afterAll(async () => {
    await bus?.close();
  });

  it('writes no line of a call on stdout, only its own', async () => {
    const wd = await bus.start('quiet', { fprocess: 'cat', SKIFF_FUNCTION_LOGS_STDOUT: 'false' });
    expect(text(await bus.invoke('quiet', { body: '12345' }))).toBe('12345');
    await wd.proc.stop();
    const log = await outputEnded(wd.proc);
    expect(log).toContain('Watchdog ready');
    expect(log).not.toContain('Forking fprocess.');
    expect(log).not.toContain('Wrote 5 Bytes');
  });

  it("writes the function's last lines as warnings when it exits on a failure", async () => {
    const { proc } = await bus.spawn('lastwords', {
      SKIFF_FUNCTION_LOGS_STDOUT: 'false',
      mode: 'http',
      fprocess: 'ls /no-such-dir-for-skiff',
    });
    const [code] = (await once(proc.child, 'exit')) as [number | null];
    expect(code).toBe(1);
    const lines = (await outputEnded(proc))
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        service: 'function',
        stream: 'stderr',
        msg: expect.stringContaining('/no-such-dir-for-skiff'),
      }),
    );
  });
});
