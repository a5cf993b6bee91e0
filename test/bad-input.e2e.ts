// Malformed requests to the gateway's API: each gets a 4xx with a reason, no service crashes, and
// nothing is left half-registered.
import type { FunctionStatus } from '@skiff/contracts/openfaas/function-status';
import { HttpClient, Platform, waitFor } from '@skiff/testing';

// Jest 30 takes testTimeout from the global config only (the e2e project's value is ignored).
jest.setTimeout(180_000);

/** A small body limit so "over the limit" needs only a small request. */
const BODY_LIMIT = 64 * 1024;

interface BadRequest {
  /** What is wrong with it. */
  what: string;
  method: string;
  path: string;
  /** Sent as is when a string, as JSON otherwise. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Expected status; any 4xx when absent. */
  status?: number;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
/** Strings are raw JSON text here, so they carry the JSON content type. */
const jsonRequest = (method: string, path: string, body: unknown, what: string, status?: number): BadRequest => ({
  what,
  method,
  path,
  body,
  status,
  headers: typeof body === 'string' ? JSON_HEADERS : undefined,
});
const deploy = (body: unknown, what: string, status?: number) => jsonRequest('POST', '/system/functions', body, what, status);
const update = (body: unknown, what: string, status?: number) => jsonRequest('PUT', '/system/functions', body, what, status);
const scale = (name: string, body: unknown, what: string, status?: number) =>
  jsonRequest('POST', `/system/scale-function/${name}`, body, what, status);
const fn = (service: string) => ({ service, image: 'any', envProcess: 'cat' });

const BAD_REQUESTS: BadRequest[] = [
  // Bad JSON.
  {
    what: 'deploy: truncated JSON',
    method: 'POST',
    path: '/system/functions',
    body: '{"service": "x", "image":',
    headers: JSON_HEADERS,
    status: 400,
  },
  { what: 'deploy: not JSON at all', method: 'POST', path: '/system/functions', body: 'service=x', headers: JSON_HEADERS, status: 400 },
  { what: 'deploy: empty body', method: 'POST', path: '/system/functions', body: '', headers: JSON_HEADERS, status: 400 },
  deploy([], 'deploy: an array', 400),
  deploy('"just a string"', 'deploy: a JSON string', 400),
  deploy('null', 'deploy: JSON null', 400),
  { what: 'update: truncated JSON', method: 'PUT', path: '/system/functions', body: '{"service"', headers: JSON_HEADERS, status: 400 },
  {
    what: 'delete: truncated JSON',
    method: 'DELETE',
    path: '/system/functions',
    body: '{"functionName',
    headers: JSON_HEADERS,
    status: 400,
  },
  {
    what: 'scale: truncated JSON',
    method: 'POST',
    path: '/system/scale-function/x',
    body: '{"replicas": ',
    headers: JSON_HEADERS,
    status: 400,
  },

  // Wrong types and missing fields.
  deploy({ image: 'any' }, 'deploy: service missing', 400),
  deploy({ service: 'no-image' }, 'deploy: image missing', 400),
  deploy({ service: 42, image: 'any' }, 'deploy: service is a number', 400),
  deploy({ service: 'types', image: ['any'] }, 'deploy: image is an array', 400),
  deploy({ ...fn('types'), envVars: { A: 1 } }, 'deploy: envVars value is a number', 400),
  deploy({ ...fn('types'), envVars: ['A=1'] }, 'deploy: envVars is an array', 400),
  deploy({ ...fn('types'), labels: 'x=y' }, 'deploy: labels is a string', 400),
  deploy({ ...fn('types'), annotations: { a: { nested: true } } }, 'deploy: annotation value is an object', 400),
  deploy({ ...fn('types'), secrets: 'one' }, 'deploy: secrets is a string', 400),
  deploy({ ...fn('types'), constraints: [1, 2] }, 'deploy: constraints are numbers', 400),
  deploy({ ...fn('types'), limits: 'big' }, 'deploy: limits is a string', 400),
  deploy({ ...fn('types'), readOnlyRootFilesystem: 'yes' }, 'deploy: readOnlyRootFilesystem is a string', 400),
  deploy({ ...fn('types'), envProcess: 7 }, 'deploy: envProcess is a number', 400),
  deploy({ ...fn('types'), namespace: 'Not_A_Label' }, 'deploy: namespace is not a DNS label', 400),
  { what: 'delete: functionName missing', method: 'DELETE', path: '/system/functions', body: {}, status: 400 },
  { what: 'delete: functionName is a number', method: 'DELETE', path: '/system/functions', body: { functionName: 5 }, status: 400 },

  // Names that are not DNS-1123 labels.
  deploy(fn('has.dot'), 'deploy: name with a dot', 400),
  deploy(fn('a/b'), 'deploy: name with a slash', 400),
  deploy(fn('..'), 'deploy: name ".."', 400),
  deploy(fn('../../etc'), 'deploy: name with path traversal', 400),
  deploy(fn('Echo'), 'deploy: upper-case name', 400),
  deploy(fn('-leading'), 'deploy: leading hyphen', 400),
  deploy(fn('trailing-'), 'deploy: trailing hyphen', 400),
  deploy(fn('under_score'), 'deploy: underscore', 400),
  deploy(fn('sp ace'), 'deploy: space', 400),
  deploy(fn(''), 'deploy: empty name', 400),
  deploy(fn('a'.repeat(64)), 'deploy: 64-character name', 400),
  update(fn('has.dot'), 'update: name with a dot'),
  update(fn('UPPER'), 'update: upper-case name'),
  { what: 'delete: name with a slash', method: 'DELETE', path: '/system/functions', body: { functionName: 'a/b' } },
  { what: 'delete: name ".."', method: 'DELETE', path: '/system/functions', body: { functionName: '..' } },
  { what: 'status: upper-case name', method: 'GET', path: '/system/function/Echo' },
  { what: 'status: name with two dots', method: 'GET', path: '/system/function/a..b' },
  { what: 'invoke: upper-case name', method: 'POST', path: '/function/Echo', body: 'x' },
  { what: 'invoke: encoded slash in name', method: 'POST', path: '/function/a%2Fb', body: 'x' },
  { what: 'invoke: 64-character name', method: 'POST', path: `/function/${'a'.repeat(64)}`, body: 'x' },
  { what: 'invoke: empty namespace', method: 'POST', path: '/function/echo.', body: 'x' },
  { what: 'invoke: function that does not exist', method: 'POST', path: '/function/never-deployed', body: 'x', status: 404 },

  // Replica counts.
  scale('victim', { serviceName: 'victim', replicas: -1 }, 'scale: negative replicas', 400),
  scale('victim', { serviceName: 'victim', replicas: 1_000_000 }, 'scale: absurd replicas', 400),
  scale('victim', { serviceName: 'victim', replicas: Number.MAX_SAFE_INTEGER }, 'scale: MAX_SAFE_INTEGER replicas', 400),
  scale('victim', { serviceName: 'victim', replicas: 1.5 }, 'scale: fractional replicas', 400),
  scale('victim', { serviceName: 'victim', replicas: 'three' }, 'scale: replicas is a word', 400),
  scale('victim', { serviceName: 'victim', replicas: null }, 'scale: replicas is null', 400),
  scale('victim', { serviceName: 'victim' }, 'scale: replicas missing', 400),
  scale('victim', '{"serviceName":"victim","replicas":1e400}', 'scale: replicas overflows to Infinity', 400),
  scale('Bad.Name', { serviceName: 'Bad.Name', replicas: 1 }, 'scale: invalid name'),
  scale('never-deployed', { serviceName: 'never-deployed', replicas: 1 }, 'scale: unknown function', 404),

  // Size.
  {
    what: 'deploy: body over the limit',
    method: 'POST',
    path: '/system/functions',
    body: JSON.stringify({ ...fn('too-big'), annotations: { big: 'x'.repeat(BODY_LIMIT * 2) } }),
    headers: JSON_HEADERS,
    status: 413,
  },
  { what: 'invoke: body over the limit', method: 'POST', path: '/function/victim', body: 'x'.repeat(BODY_LIMIT * 2), status: 413 },
];

describe('bad input through the gateway', () => {
  let platform: Platform;
  let gw: HttpClient;

  beforeAll(async () => {
    platform = await Platform.start({ serviceEnv: { gateway: { SKIFF_MAX_BODY_BYTES: String(BODY_LIMIT) } } });
    gw = platform.client();
    // One real function, so requests aimed at an existing name exercise the full path.
    const created = await gw.post('/system/functions', fn('victim'));
    expect(created.status).toBe(202);
    await waitFor('victim to answer', async () => (await gw.post('/function/victim', 'ok')).status === 200, 60_000, 200);
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it.each(BAD_REQUESTS.map((r) => [r.what, r] as const))('%s → 4xx with a reason', async (_what, bad) => {
    const reply = await gw.request(bad.method, bad.path, { body: bad.body, headers: bad.headers });
    if (bad.status) expect(reply.status).toBe(bad.status);
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
    expect(reply.text.trim().length).toBeGreaterThan(0);
  });

  it('ignores unknown fields (202) and registers the function normally', async () => {
    const reply = await gw.post('/system/functions', { ...fn('extra-fields'), notAField: 1, nested: { deep: true } });
    expect(reply.status).toBe(202);
    const status = await gw.get('/system/function/extra-fields');
    expect(status.status).toBe(200);
    expect(status.json<Record<string, unknown>>()).not.toHaveProperty('notAField');
    expect((await gw.delete('/system/functions', { functionName: 'extra-fields' })).status).toBe(202);
  });

  it('left no service crashed and nothing half-registered', async () => {
    expect(platform.crashed()).toEqual([]);
    for (const service of ['gateway', 'provider']) {
      expect((await platform.client(service).get('/healthz')).status).toBe(200);
    }
    const functions = (await gw.get('/system/functions')).json<FunctionStatus[]>();
    expect(functions.map((f) => f.name)).toEqual(['victim']);
    const victim = (await gw.get('/system/function/victim')).json<FunctionStatus>();
    expect(victim.replicas).toBe(1);
    expect((await gw.post('/function/victim', 'still fine')).text).toBe('still fine');
  });
});
