import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { FunctionStatus, GatewayInfo } from '@skiff/contracts';
import { HttpClient, Platform, distEntry } from '@skiff/testing';

// Real processes start and stop here; jest 30 applies only the global testTimeout, so set it per file.
jest.setTimeout(120_000);

const BODY_LIMIT = 65_536;
const fn = (service: string, extra: Record<string, unknown> = {}) => ({ service, image: 'test/none', envProcess: 'cat', ...extra });

// Runs the built provider (npm run build); fails, never skips, when it is not built.
distEntry('provider');

/** A request the gateway must refuse with a 4xx and a reason. */
type Bad = [what: string, method: string, path: string, body: unknown, status: number];

const json = (text: string) => ({ raw: text });
const BAD: Bad[] = [
  ['deploy: invalid JSON', 'POST', '/system/functions', json('{"service": "x",'), 400],
  ['deploy: empty body', 'POST', '/system/functions', json(''), 400],
  ['deploy: JSON array', 'POST', '/system/functions', [fn('arr')], 400],
  ['deploy: JSON null', 'POST', '/system/functions', json('null'), 400],
  ['deploy: missing service', 'POST', '/system/functions', { image: 'x' }, 400],
  ['deploy: missing image', 'POST', '/system/functions', { service: 'no-image' }, 400],
  ['deploy: service is a number', 'POST', '/system/functions', { service: 7, image: 'x' }, 400],
  ['deploy: envVars of numbers', 'POST', '/system/functions', fn('types', { envVars: { A: 1 } }), 400],
  ['deploy: labels is a string', 'POST', '/system/functions', fn('types', { labels: 'a=b' }), 400],
  ['deploy: readOnlyRootFilesystem is a string', 'POST', '/system/functions', fn('types', { readOnlyRootFilesystem: 'yes' }), 400],
  ['deploy: name with a dot', 'POST', '/system/functions', fn('a.b'), 400],
  ['deploy: name with a slash', 'POST', '/system/functions', fn('a/b'), 400],
  ['deploy: name ".."', 'POST', '/system/functions', fn('..'), 400],
  ['deploy: upper-case name', 'POST', '/system/functions', fn('Hello'), 400],
  ['deploy: 64-character name', 'POST', '/system/functions', fn('a'.repeat(64)), 400],
  ['deploy: bad namespace', 'POST', '/system/functions', fn('ok-name', { namespace: 'Bad_NS' }), 400],
  ['deploy: body over the limit', 'POST', '/system/functions', fn('big', { annotations: { a: 'x'.repeat(BODY_LIMIT) } }), 413],
  ['update: invalid JSON', 'PUT', '/system/functions', json('{'), 400],
  ['update: upper-case name', 'PUT', '/system/functions', fn('UPPER'), 400],
  ['delete: no functionName', 'DELETE', '/system/functions', {}, 400],
  ['delete: functionName is a number', 'DELETE', '/system/functions', { functionName: 5 }, 400],
  ['delete: name with a slash', 'DELETE', '/system/functions', { functionName: 'a/b' }, 400],
  ['scale: negative replicas', 'POST', '/system/scale-function/keeper', { replicas: -1 }, 400],
  ['scale: absurd replicas', 'POST', '/system/scale-function/keeper', { replicas: 1_000_001 }, 400],
  ['scale: fractional replicas', 'POST', '/system/scale-function/keeper', { replicas: 0.5 }, 400],
  ['scale: replicas is a string', 'POST', '/system/scale-function/keeper', { replicas: '2' }, 400],
  ['scale: replicas missing', 'POST', '/system/scale-function/keeper', { serviceName: 'keeper' }, 400],
  ['scale: replicas overflow', 'POST', '/system/scale-function/keeper', json('{"replicas":1e400}'), 400],
  ['scale: bad path name', 'POST', '/system/scale-function/Keeper', { replicas: 1 }, 400],
  ['scale: bad namespace', 'POST', '/system/scale-function/keeper?namespace=Bad', { replicas: 1 }, 400],
  ['list: bad namespace', 'GET', '/system/functions?namespace=a.b', undefined, 400],
  ['status: bad name', 'GET', '/system/function/a..b', undefined, 400],
];

describe('gateway /system API (real gateway and provider processes, real NATS)', () => {
  let platform: Platform;
  let http: HttpClient;

  const send = (method: string, path: string, body: unknown) => {
    if (body && typeof body === 'object' && 'raw' in body) {
      return http.request(method, path, { body: (body as { raw: string }).raw, headers: { 'Content-Type': 'application/json' } });
    }
    return http.request(method, path, { body });
  };
  const names = async (): Promise<string[]> =>
    (await http.get('/system/functions'))
      .json<FunctionStatus[]>()
      .map((f) => f.name)
      .sort();

  beforeAll(async () => {
    platform = await Platform.start({
      services: ['provider', 'gateway'],
      serviceEnv: { gateway: { SKIFF_MAX_BODY_BYTES: String(BODY_LIMIT) } },
    });
    http = platform.client();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('lists no functions at first', async () => {
    const res = await http.get('/system/functions');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual([]);
  });

  it('deploys (202 with the status), and the function is known to invoke at once', async () => {
    const res = await http.post('/system/functions', fn('keeper', { notAField: true }));
    expect(res.status).toBe(202);
    expect(res.json<FunctionStatus>()).toMatchObject({ name: 'keeper', image: 'test/none', namespace: 'openfaas-fn' });
    expect((await http.post('/function/keeper', 'hi')).status).not.toBe(404);
    const status = await http.get('/system/function/keeper');
    expect(status.status).toBe(200);
    expect(status.json<FunctionStatus>().name).toBe('keeper');
    expect(status.json()).not.toHaveProperty('notAField');
  });

  it('updates with PUT (202), and PUT of an unknown function is a 404 so faas-cli falls back to POST', async () => {
    const updated = await http.put('/system/functions', fn('keeper', { envVars: { MODE: 'two' } }));
    expect(updated.status).toBe(202);
    expect(updated.json<FunctionStatus>().envVars).toEqual({ MODE: 'two' });
    const missing = await http.put('/system/functions', fn('newcomer'));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('text/plain');
    expect((await http.post('/system/functions', fn('newcomer'))).status).toBe(202);
  });

  it('scales with the name from the path (202, empty)', async () => {
    const res = await http.post('/system/scale-function/newcomer', { serviceName: 'ignored', replicas: 0 });
    expect(res.status).toBe(202);
    expect(res.text).toBe('');
    expect((await http.get('/system/function/newcomer')).json<FunctionStatus>().replicas ?? 0).toBe(0);
    expect((await http.post('/system/scale-function/never-deployed', { replicas: 1 })).status).toBe(404);
  });

  it('deletes with the namespace from the body or the query (202), and invoke sees it gone at once', async () => {
    const res = await http.delete('/system/functions', { functionName: 'newcomer', namespace: 'openfaas-fn' });
    expect(res.status).toBe(202);
    expect((await http.post('/function/newcomer', 'x')).status).toBe(404);
    expect((await http.get('/system/function/newcomer')).status).toBe(404);
    expect((await http.delete('/system/functions?namespace=openfaas-fn', { functionName: 'newcomer' })).status).toBe(404);
  });

  it('answers /system/info and /system/namespaces', async () => {
    const info = await http.get('/system/info');
    expect(info.status).toBe(200);
    const body = info.json<GatewayInfo>();
    expect(body.provider).toMatchObject({ provider: expect.any(String), orchestration: expect.any(String) });
    expect(body.version).toMatchObject({ release: expect.any(String), sha: expect.any(String) });
    expect(body.arch).toBeTruthy();
    const namespaces = await http.get('/system/namespaces');
    expect(namespaces.status).toBe(200);
    expect(Array.isArray(namespaces.json())).toBe(true);
  });

  it.each(BAD)('%s → %d with a text reason', async (_what, method, path, body, status) => {
    const res = await send(method, path, body);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.text.trim().length).toBeGreaterThan(0);
    if (status === 413) expect(res.text).toContain(`${BODY_LIMIT} bytes`);
  });

  it('names every bad field in one answer', async () => {
    const res = await http.post('/system/functions', { service: 'Bad.Name', image: 5, envVars: [] });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/service/);
    expect(res.text).toMatch(/image/);
    expect(res.text).toMatch(/envVars/);
  });

  it('is still up and registered nothing half-way after all that', async () => {
    expect(platform.crashed()).toEqual([]);
    for (const service of ['gateway', 'provider']) expect((await platform.client(service).get('/healthz')).status).toBe(200);
    expect(await names()).toEqual(['keeper']);
  });
});
