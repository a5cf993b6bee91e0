import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { StartedWatchdog, WatchdogTestBus, fixture, header, text } from '../watchdog.int-helper';

// testTimeout is a global jest option (ignored per project): real processes on a busy host need more than 5 s.
jest.setTimeout(60_000);

describe('watchdog inproc mode', () => {
  let bus: WatchdogTestBus;
  let ctx: StartedWatchdog;
  const start = (name: string, env: Record<string, string>) => bus.start(name, env);

  beforeAll(async () => {
    bus = await WatchdogTestBus.open();
    [, , ctx] = await Promise.all([
      start('echo', { mode: 'inproc', handler_module: fixture('inproc-echo.js') }),
      start('raw', { mode: 'inproc', handler_module: fixture('inproc-echo.js'), RAW_BODY: 'true' }),
      start('ctx', { mode: 'inproc', handler_module: fixture('inproc-context.js'), exec_timeout: '1s' }),
    ]);
  });

  afterAll(async () => {
    await bus?.close();
  });

  it('parses a JSON body and answers an object as JSON', async () => {
    const res = await bus.invoke('echo', {
      path: '/in',
      query: 'a=1&a=2&b=x',
      headers: { 'Content-Type': 'application/json' },
      body: '{"n":42}',
    });
    expect(res.status).toBe(200);
    expect(header(res, 'Content-Type')).toMatch(/^application\/json/);
    expect(JSON.parse(text(res))).toEqual({ method: 'POST', path: '/in', query: { a: ['1', '2'], b: 'x' }, body: { n: 42 } });
  });

  it('hands a text body (or one without Content-Type) over as a string', async () => {
    const res = await bus.invoke('echo', { body: 'plain words' });
    expect(JSON.parse(text(res)).body).toBe('plain words');
  });

  it('hands a binary body over as a Buffer, and any body with RAW_BODY=true', async () => {
    const binary = await bus.invoke('echo', { headers: { 'Content-Type': 'application/octet-stream' }, body: 'AB' });
    expect(JSON.parse(text(binary)).body).toEqual({ type: 'Buffer', data: [65, 66] });
    const raw = await bus.invoke('raw', { headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(JSON.parse(text(raw)).body).toEqual({ type: 'Buffer', data: [123, 125] });
  });

  it('answers 400 to a body that is not the JSON its Content-Type claims', async () => {
    const res = await bus.invoke('echo', { headers: { 'Content-Type': 'application/json' }, body: '{oops' });
    expect(res.status).toBe(400);
    expect(text(res)).toMatch(/not valid JSON/);
  });

  it('uses the status and headers set through the context', async () => {
    const res = await bus.invoke('ctx', { path: '/created' });
    expect(res.status).toBe(201);
    expect(header(res, 'X-Made-By')).toBe('context');
    expect(header(res, 'Content-Type')).toBe('text/plain');
    expect(text(res)).toBe('made');
  });

  it('answers 500 with the error when the handler throws', async () => {
    const res = await bus.invoke('ctx', { path: '/throw' });
    expect(res.status).toBe(500);
    expect(text(res)).toContain('handler exploded');
  });

  it('answers 500 on context.fail, or the status the handler set', async () => {
    const failed = await bus.invoke('ctx', { path: '/fail' });
    expect([failed.status, text(failed)]).toEqual([500, 'nope']);
    const teapot = await bus.invoke('ctx', { path: '/teapot' });
    expect(teapot.status).toBe(418);
  });

  it('gives the handler the host name through the context', async () => {
    const res = await bus.invoke('ctx', { path: '/' });
    expect(JSON.parse(text(res)).hostname).toEqual(expect.any(String));
  });

  it('answers 504 when the handler misses exec_timeout', async () => {
    const res = await bus.invoke('ctx', { path: '/slow', query: 'ms=3000' });
    expect(res.status).toBe(504);
    expect(header(res, 'X-OpenFaaS-Internal')).toBe('of-watchdog');
  });

  it("writes the handler's console output as function log lines", async () => {
    await bus.invoke('ctx', { path: '/log' });
    const line = ctx.proc.log.split('\n').find((l) => l.includes('hello from the handler'));
    expect(JSON.parse(line!)).toMatchObject({ service: 'function', stream: 'stdout', msg: 'hello from the handler' });
  });
});
