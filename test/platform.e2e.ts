// The whole platform through the gateway's HTTP API only, with the built provider, gateway and
// watchdogs as real processes: deploy, invoke (classic and http mode), scale, a replica crash,
// a provider restart and delete.
import { resolve } from 'node:path';
import type { FunctionStatus } from '@skiff/contracts/openfaas/function-status';
import { HttpClient, Platform, ReplicaWatcher, processAlive, waitFor } from '@skiff/testing';

// Jest 30 takes testTimeout from the global config only (the e2e project's value is ignored).
jest.setTimeout(180_000);

const HTTP_ECHO_SERVER = resolve(__dirname, 'fixtures', 'http-echo-server.js');

/** What the http-echo fixture answers: the request as its server saw it. */
interface EchoedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: string;
}
/** Replicas start as real processes on a 2-core machine shared with other work: be patient. */
const SLOW = 60_000;

describe('platform end to end (gateway HTTP API)', () => {
  let platform: Platform;
  let gw: HttpClient;
  let replicas: ReplicaWatcher;

  beforeAll(async () => {
    // The scaler owns manual scaling when it runs; the platform as `npm start` runs it.
    platform = await Platform.start({ services: ['provider', 'gateway', 'scaler'] });
    gw = platform.client();
    replicas = await ReplicaWatcher.start();
  });

  afterAll(async () => {
    await replicas?.close();
    await platform?.stop();
  });

  /** waitFor that puts the services' own output into the failure, which is where the reason is. */
  async function eventually<T>(what: string, probe: () => T | Promise<T>, timeoutMs = SLOW): Promise<NonNullable<T>> {
    try {
      return await waitFor(what, probe, timeoutMs, 200);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- service output (tail) ---\n${platform.logs().slice(-12_000)}`);
    }
  }

  /** Polls until `/function/<path>` answers 200 and returns the reply. */
  async function invokeWhenReady(method: string, path: string, body?: string) {
    return eventually(`${method} /function/${path} to answer 200`, async () => {
      const reply = await gw.request(method, `/function/${path}`, { body });
      return reply.status === 200 ? reply : undefined;
    });
  }

  async function status(name: string): Promise<FunctionStatus | undefined> {
    const reply = await gw.get(`/system/function/${name}`);
    return reply.status === 200 ? reply.json<FunctionStatus>() : undefined;
  }

  it('deploys a classic `cat` function and echoes the body', async () => {
    const deploy = await gw.post('/system/functions', { service: 'echo', image: 'any', envProcess: 'cat' });
    expect(deploy.status).toBe(202);

    const reply = await invokeWhenReady('POST', 'echo', 'hi');
    expect(reply.text).toBe('hi');
    expect(reply.headers.get('x-call-id')).toBeTruthy();
    expect((await gw.post('/function/echo.openfaas-fn', 'with namespace')).text).toBe('with namespace');

    const listed = (await gw.get('/system/functions')).json<FunctionStatus[]>();
    expect(listed.map((f) => f.name)).toContain('echo');
  });

  it('deploys an http-mode Node function and forwards method, path, query and body', async () => {
    const deploy = await gw.post('/system/functions', {
      service: 'http-echo',
      image: 'any',
      envProcess: `${process.execPath} ${HTTP_ECHO_SERVER}`,
      envVars: { mode: 'http' },
    });
    expect(deploy.status).toBe(202);

    const get = (await invokeWhenReady('GET', 'http-echo/some/path?x=1&y=two')).json<EchoedRequest>();
    expect(get).toMatchObject({ method: 'GET', path: '/some/path', query: { x: '1', y: 'two' }, body: '' });

    const post = await gw.post('/function/http-echo/submit?z=3', 'payload-from-e2e', { headers: { 'content-type': 'text/plain' } });
    expect(post.status).toBe(200);
    expect(post.headers.get('x-echo')).toBe('yes');
    expect(post.json<EchoedRequest>()).toMatchObject({ method: 'POST', path: '/submit', query: { z: '3' }, body: 'payload-from-e2e' });
  });

  it('scales echo to 3 replicas', async () => {
    const scale = await gw.post('/system/scale-function/echo', { serviceName: 'echo', replicas: 3 });
    expect(scale.status).toBe(202);

    const scaled = await eventually('echo to report 3 available replicas', async () => (await status('echo'))?.availableReplicas === 3);
    expect(scaled).toBe(true);
    await eventually('3 live echo replica processes', () => replicas.replicas('echo').length === 3);
    expect((await invokeWhenReady('POST', 'echo', 'still here')).text).toBe('still here');
  });

  it('replaces a replica killed with SIGKILL', async () => {
    const before = replicas.replicas('echo');
    expect(before).toHaveLength(3);
    const victim = before[0];
    process.kill(victim.pid, 'SIGKILL');
    await waitFor(`replica pid ${victim.pid} to be gone`, () => !processAlive(victim.pid), 10_000);

    await eventually('a replacement replica (3 live, without the killed one)', async () => {
      const live = replicas.replicas('echo');
      return live.length === 3 && !live.some((r) => r.pid === victim.pid) && (await status('echo'))?.availableReplicas === 3;
    });
    expect((await invokeWhenReady('POST', 'echo', 'after crash')).text).toBe('after crash');
  });

  it('keeps the functions answering across a provider restart', async () => {
    await platform.restart('provider');

    expect((await invokeWhenReady('POST', 'echo', 'after restart')).text).toBe('after restart');
    expect((await invokeWhenReady('GET', 'http-echo/again?q=1')).json<EchoedRequest>()).toMatchObject({
      path: '/again',
      query: { q: '1' },
    });
    await eventually('echo back at 3 available replicas', async () => (await status('echo'))?.availableReplicas === 3);
  });

  it('deletes functions: status, invoke and delete again answer 404', async () => {
    for (const name of ['echo', 'http-echo']) {
      const del = await gw.delete('/system/functions', { functionName: name });
      expect(del.status).toBe(202);
    }
    expect((await gw.get('/system/function/echo')).status).toBe(404);
    await eventually('invoking the deleted echo to answer 404', async () => (await gw.post('/function/echo', 'hi')).status === 404, 15_000);
    expect((await gw.delete('/system/functions', { functionName: 'echo' })).status).toBe(404);
    expect((await gw.get('/system/functions')).json<FunctionStatus[]>()).toEqual([]);
    await eventually('every echo replica process to stop', () => replicas.replicas('echo').length === 0);
    expect(platform.crashed()).toEqual([]);
  });
});
