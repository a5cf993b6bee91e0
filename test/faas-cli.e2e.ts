// faas-cli 0.16's HTTP exchanges, replayed request by request against a real
// gateway and provider: login, deploy (PUT, then POST on 404), list / list -v, describe, invoke with
// headers, query and method, secret create/list/update/remove, remove, namespace list, ready, version.
import type { FunctionStatus } from '@skiff/contracts/openfaas/function-status';
import { HttpClient, Platform, TEST_ADMIN_PASSWORD, waitFor } from '@skiff/testing';

jest.setTimeout(180_000);

const GATEWAY_NS = 'openfaas-fn';
/** What faas-cli sends on every request (its Go client adds the auth header from ~/.openfaas/config.yml). */
const CLI = { 'user-agent': 'faas-cli/0.16.38 (openfaas; linux; amd64)' };

function basicToken(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

describe('faas-cli 0.16 exchanges', () => {
  let platform: Platform;
  let http: HttpClient;
  const auth = { ...CLI, ...basicToken('admin', TEST_ADMIN_PASSWORD) };
  const json = { ...auth, 'content-type': 'application/json' };

  beforeAll(async () => {
    platform = await Platform.start();
    http = platform.anonymousClient();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('login: validates the credentials with GET /system/functions (200 ok, 401 wrong)', async () => {
    expect((await http.get('/system/functions', { headers: auth })).status).toBe(200);
    expect((await http.get('/system/functions', { headers: { ...CLI, ...basicToken('admin', 'wrong') } })).status).toBe(401);
  });

  it('secret create / list / update / remove', async () => {
    // faas-cli secret create api-key --from-literal=... (namespace in the body)
    expect((await http.post('/system/secrets', { name: 'api-key', namespace: GATEWAY_NS, value: 'v1' }, { headers: json })).status).toBe(
      202,
    );
    expect((await http.post('/system/secrets', { name: 'api-key', namespace: GATEWAY_NS, value: 'v1' }, { headers: json })).status).toBe(
      409,
    );
    // faas-cli secret list (namespace in the query)
    expect((await http.get(`/system/secrets?namespace=${GATEWAY_NS}`, { headers: auth })).json()).toEqual([
      { name: 'api-key', namespace: GATEWAY_NS },
    ]);
    // --from-file sends rawValue and value
    expect(
      (
        await http.put(
          '/system/secrets',
          { name: 'api-key', namespace: GATEWAY_NS, value: 'v2', rawValue: Buffer.from('v2').toString('base64') },
          { headers: json },
        )
      ).status,
    ).toBe(202);
    expect((await http.post('/system/secrets', { name: 'tmp-secret', namespace: GATEWAY_NS, value: 'x' }, { headers: json })).status).toBe(
      202,
    );
    // faas-cli secret remove tmp-secret: DELETE with the Secret in the body
    expect((await http.delete('/system/secrets', { name: 'tmp-secret', namespace: GATEWAY_NS }, { headers: json })).status).toBe(202);
    expect((await http.delete('/system/secrets', { name: 'tmp-secret', namespace: GATEWAY_NS }, { headers: json })).status).toBe(404);
  });

  it('deploy --image --name --fprocess -e -l --annotation --secret: PUT first, POST on 404, PUT again later', async () => {
    const deployment = {
      service: 'env',
      image: 'ghcr.io/openfaas/alpine:latest',
      envProcess: 'env',
      namespace: GATEWAY_NS,
      envVars: { GREETING: 'hello' },
      labels: { team: 'blue' },
      annotations: { topic: 'demo' },
      secrets: ['api-key'],
      limits: { memory: '128Mi' },
    };
    expect((await http.put('/system/functions', deployment, { headers: json })).status).toBe(404);
    expect((await http.post('/system/functions', deployment, { headers: json })).status).toBe(202);
    expect((await http.put('/system/functions', deployment, { headers: json })).status).toBe(202);
  });

  it('ready: /healthz, then /system/function/<name> until availableReplicas > 0', async () => {
    expect((await http.get('/healthz', { headers: CLI })).status).toBe(200);
    const status = await waitFor(
      'env to be ready',
      async () => {
        const s = (await http.get(`/system/function/env?namespace=${GATEWAY_NS}`, { headers: auth })).json<FunctionStatus>();
        return (s.availableReplicas ?? 0) > 0 ? s : undefined;
      },
      90_000,
      250,
    );
    expect(status.name).toBe('env');
  });

  it('list, list -v and describe read the fields faas-cli prints', async () => {
    const list = (await http.get(`/system/functions?namespace=${GATEWAY_NS}`, { headers: auth })).json<FunctionStatus[]>();
    const env = list.find((f) => f.name === 'env')!;
    // list: Function, Invocations (absent = 0), Replicas; -v adds Image and CreatedAt.
    expect(env).toMatchObject({ name: 'env', image: 'ghcr.io/openfaas/alpine:latest', replicas: 1, namespace: GATEWAY_NS });
    expect(Number.isNaN(Date.parse(env.createdAt))).toBe(false);
    // describe: GET /system/function/<name> (+ the list for invocationCount).
    const described = (await http.get(`/system/function/env?namespace=${GATEWAY_NS}`, { headers: auth })).json<FunctionStatus>();
    expect(described).toMatchObject({
      name: 'env',
      envProcess: 'env',
      envVars: { GREETING: 'hello' },
      labels: { team: 'blue', faas_function: 'env' },
      annotations: { topic: 'demo' },
      secrets: ['api-key'],
      limits: { memory: '128Mi' },
      availableReplicas: 1,
    });
    expect(described).not.toHaveProperty('requests');
    expect((await http.get(`/system/function/nope?namespace=${GATEWAY_NS}`, { headers: auth })).status).toBe(404);
  });

  it('invoke -H --query --method on /function/<name>.<namespace>, no credentials needed', async () => {
    const reply = await http.request('PUT', `/function/env.${GATEWAY_NS}/sub/path?user=ada&lang=en`, {
      body: 'payload',
      headers: { ...CLI, 'content-type': 'text/plain', 'x-trace': 'abc' },
    });
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('Http_Method=PUT');
    expect(reply.text).toContain('Http_Query=user=ada&lang=en');
    expect(reply.text).toContain('Http_X_Trace=abc');
    expect(reply.text).toContain('GREETING=hello');
    expect((await http.post(`/function/missing.${GATEWAY_NS}`, 'x', { headers: CLI })).status).toBe(404);
  });

  it('namespace list and version', async () => {
    expect((await http.get('/system/namespaces', { headers: auth })).json()).toContain(GATEWAY_NS);
    const info = (await http.get('/system/info', { headers: auth })).json<Record<string, unknown>>();
    // faas-cli version prints provider name, orchestration, and the gateway's and provider's version and sha.
    expect(info.provider).toMatchObject({
      provider: expect.any(String),
      orchestration: expect.any(String),
      version: { release: expect.any(String), sha: expect.any(String) },
    });
    expect(info.version).toMatchObject({ release: expect.any(String), sha: expect.any(String) });
    expect(typeof info.arch).toBe('string');
  });

  it('remove: DELETE /system/functions with {functionName, namespace}', async () => {
    expect((await http.delete('/system/functions', { functionName: 'env', namespace: GATEWAY_NS }, { headers: json })).status).toBe(202);
    expect((await http.delete('/system/functions', { functionName: 'env', namespace: GATEWAY_NS }, { headers: json })).status).toBe(404);
    expect((await http.get(`/system/functions?namespace=${GATEWAY_NS}`, { headers: auth })).json()).toEqual([]);
  });
});
