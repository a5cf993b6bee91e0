import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { StartedWatchdog, WatchdogTestBus, header, text } from '../watchdog.int-helper';

// testTimeout is a global jest option (ignored per project): real processes on a busy host need more than 5 s.
jest.setTimeout(60_000);

describe('watchdog classic mode', () => {
  let bus: WatchdogTestBus;
  let cat: StartedWatchdog;
  const start = (name: string, env: Record<string, string>) => bus.start(name, env);

  beforeAll(async () => {
    bus = await WatchdogTestBus.open();
    [cat] = await Promise.all([
      start('cat', { fprocess: 'cat' }),
      start('env', { fprocess: 'env', mode: 'serializing' }),
      start('fails', { fprocess: 'ls /no-such-dir-for-skiff' }),
      start('sleepy', { fprocess: 'sleep 5', exec_timeout: '1s' }),
      start('busy', { fprocess: 'sleep 2', max_inflight: '1' }),
    ]);
  });

  afterAll(async () => {
    await bus?.close();
  });

  it('answers with the stdout of the process fed the body (cat echoes)', async () => {
    const res = await bus.invoke('cat', { body: 'hello classic', headers: { 'Content-Type': 'text/plain' } });
    expect(res.status).toBe(200);
    expect(text(res)).toBe('hello classic');
    expect(header(res, 'Content-Type')).toBe('text/plain');
    expect(Number(header(res, 'X-Duration-Seconds'))).toBeGreaterThan(0);
  });

  it('logs the fork and the bytes written', async () => {
    await bus.invoke('cat', { body: '12345' });
    const log = cat.proc.log;
    expect(log).toContain('Forking fprocess.');
    expect(log).toMatch(/Wrote 5 Bytes - Duration: \d+\.\d{6} seconds/);
  });

  it('passes method, path, query and headers as Http_* environment variables', async () => {
    const res = await bus.invoke('env', {
      method: 'PUT',
      path: '/some/path',
      query: 'a=1&b=two',
      headers: { 'X-Call-Id': 'call-123', 'content-type': 'application/json', 'user-agent': 'jest' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    const lines = text(res).split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'Http_Method=PUT',
        'Http_Path=/some/path',
        'Http_Query=a=1&b=two',
        'Http_X_Call_Id=call-123',
        'Http_Content_Type=application/json',
        'Http_User_Agent=jest',
        'Http_Content_Length=2',
      ]),
    );
  });

  it('answers 500 with the exit status and the combined output when the process fails', async () => {
    const res = await bus.invoke('fails', { body: '' });
    expect(res.status).toBe(500);
    expect(text(res)).toMatch(/^exit status 2\n.*no-such-dir-for-skiff/s);
  });

  it('kills the process and answers 408 after exec_timeout', async () => {
    const res = await bus.invoke('sleepy', { body: '' });
    expect(res.status).toBe(408);
    expect(text(res)).toBe('Killed process.');
  });

  it('answers 429 from the limiter when max_inflight calls are already running', async () => {
    const results = await Promise.all([bus.invoke('busy', { body: '' }), bus.invoke('busy', { body: '' })]);
    const limited = results.find((r) => r.status === 429);
    expect(results.map((r) => r.status).sort()).toEqual([200, 429]);
    expect(text(limited!)).toBe('Concurrent request limit exceeded. Max concurrent requests: 1\n');
    expect(header(limited!, 'X-OpenFaaS-Internal')).toBe('faas-middleware');
    expect(limited!.internal).toBe('faas-middleware');
  });
});
