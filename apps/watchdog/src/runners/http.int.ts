import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { WatchdogTestBus, fixture, header, text } from '../watchdog.int-helper';
import { waitFor } from '@skiff/testing';

// testTimeout is a global jest option (ignored per project): real processes on a busy host need more than 5 s.
jest.setTimeout(60_000);

describe('watchdog http mode', () => {
  let bus: WatchdogTestBus;
  const echo = { mode: 'http', fprocess: `node ${fixture('http-echo-server.js')}` };
  const start = (name: string, env: Record<string, string>) => bus.start(name, env);

  beforeAll(async () => {
    bus = await WatchdogTestBus.open();
    await Promise.all([start('echo', echo), start('pair', echo), start('pair', echo), start('slow', { ...echo, exec_timeout: '1s' })]);
  });

  afterAll(async () => {
    await bus?.close();
  });

  it('forwards a GET with path and query to the upstream', async () => {
    const res = await bus.invoke('echo', { method: 'GET', path: '/items/7', query: 'q=skiff&n=2', headers: { 'X-Custom': 'abc' } });
    expect(res.status).toBe(200);
    expect(header(res, 'X-Echo')).toBe('yes');
    expect(header(res, 'X-Duration-Seconds')).toMatch(/^\d+\.\d{6}$/);
    const body = JSON.parse(text(res));
    expect(body).toMatchObject({ method: 'GET', path: '/items/7', query: { q: 'skiff', n: '2' }, body: '' });
    expect(body.headers['x-custom']).toBe('abc');
  });

  it('forwards a POST body', async () => {
    const res = await bus.invoke('echo', { method: 'POST', path: '/', headers: { 'Content-Type': 'text/plain' }, body: 'posted' });
    expect(res.status).toBe(200);
    expect(JSON.parse(text(res))).toMatchObject({ method: 'POST', path: '/', body: 'posted' });
  });

  it('passes a redirect through instead of following it', async () => {
    const res = await bus.invoke('echo', { method: 'GET', path: '/redirect' });
    expect(res.status).toBe(302);
    expect(header(res, 'Location')).toBe('/elsewhere');
  });

  it('relays a streamed (SSE) answer once it is complete', async () => {
    const res = await bus.invoke('echo', { method: 'GET', path: '/sse' });
    expect(res.status).toBe(200);
    expect(text(res)).toBe('data: 1\n\ndata: 2\n\ndata: 3\n\n');
  });

  it('answers 504 marked of-watchdog when the upstream misses exec_timeout', async () => {
    const res = await bus.invoke('slow', { method: 'GET', path: '/slow', query: 'ms=3000' });
    expect(res.status).toBe(504);
    expect(header(res, 'X-OpenFaaS-Internal')).toBe('of-watchdog');
  });

  it('gives two replicas of one function different ports, and both answer', async () => {
    const ports = new Set<number>();
    await waitFor(
      'both replicas to answer',
      async () => {
        const res = await bus.invoke('pair', { method: 'GET' });
        ports.add(JSON.parse(text(res)).port);
        return ports.size === 2;
      },
      20_000,
      0,
    );
    expect(ports.size).toBe(2);
  });

  it('exits non-zero when the upstream process dies', async () => {
    const wd = await start('doomed', echo);
    const pid = Number(/"pid":(\d+),[^\n]*"msg":"Started upstream"/.exec(wd.proc.log)?.[1]);
    expect(pid).toBeGreaterThan(0);
    const exit = new Promise<number | null>((resolve) => wd.proc.child.once('exit', resolve));
    process.kill(pid, 'SIGKILL');
    expect(await exit).toBe(1);
  });

  it('refuses to start when the upstream never listens', async () => {
    await expect(bus.start('mute', { mode: 'http', fprocess: 'false' })).rejects.toThrow(
      /exited \(1\)[\s\S]*upstream never accepted connections/,
    );
  });
});
