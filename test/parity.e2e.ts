// OpenFaaS API parity through the gateway with real provider, gateway and watchdog processes:
// basic auth, secrets read by a function, namespaces (the same name twice), limits and a
// read-only root enforced on local replicas.
import { existsSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { FunctionStatus } from '@skiff/contracts/openfaas/function-status';
import { HttpClient, HttpReply, Platform, TEST_ADMIN_PASSWORD, basicAuthHeader, runsSandboxTests, waitFor } from '@skiff/testing';

jest.setTimeout(240_000);

const ALLOC = resolve(__dirname, 'fixtures', 'alloc.js');
const WRITE_PROBE = resolve(__dirname, 'fixtures', 'write-probe.sh');
const SLOW = 90_000;

describe('OpenFaaS parity (gateway HTTP API, real processes)', () => {
  let platform: Platform;
  let gw: HttpClient;
  let anon: HttpClient;
  // bubblewrap decides where secrets appear: OpenFaaS's path, or the directory in SKIFF_SECRETS_DIR.
  const sandboxed = runsSandboxTests();
  const secretValue = `s3cret-${randomBytes(6).toString('hex')}`;
  const probeTarget = `/var/tmp/skiff-ro-probe-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    platform = await Platform.start({ env: { SKIFF_LOG_LEVEL: 'debug' } });
    gw = platform.client();
    anon = platform.anonymousClient();
  });

  afterAll(async () => {
    await platform?.stop();
    rmSync(probeTarget, { force: true });
  });

  async function eventually<T>(what: string, probe: () => T | Promise<T>, timeoutMs = SLOW): Promise<NonNullable<T>> {
    try {
      return await waitFor(what, probe, timeoutMs, 250);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- service output (tail) ---\n${platform.logs().slice(-12_000)}`);
    }
  }

  /** Polls `POST /function/<ref>` until `accept` likes the reply. */
  function invokeUntil(ref: string, accept: (r: HttpReply) => boolean, body = ''): Promise<HttpReply> {
    return eventually(`/function/${ref} to answer as expected`, async () => {
      const reply = await gw.post(`/function/${ref}`, body);
      return accept(reply) ? reply : undefined;
    });
  }

  describe('basic auth', () => {
    it.each([
      ['GET', '/system/functions'],
      ['POST', '/system/functions'],
      ['GET', '/system/secrets'],
      ['GET', '/system/info'],
      ['GET', '/system/namespaces'],
      ['GET', '/system/no-such-route'],
      ['GET', '/ui/'],
      ['GET', '/async-function/status/0190c0de-0000-7000-8000-000000000000'],
      ['GET', '/%73ystem/functions'],
    ])('%s %s without credentials → 401 with a Basic challenge', async (method, path) => {
      const reply = await anon.request(method, path, { body: method === 'POST' ? {} : undefined });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('www-authenticate')).toBe('Basic realm="Restricted"');
      expect(reply.text).toBe('invalid credentials');
    });

    it('rejects a wrong password or user, accepts the right ones', async () => {
      expect((await anon.get('/system/functions', { headers: basicAuthHeader('admin', 'nope') })).status).toBe(401);
      expect((await anon.get('/system/functions', { headers: basicAuthHeader('root', TEST_ADMIN_PASSWORD) })).status).toBe(401);
      expect((await anon.get('/system/functions', { headers: basicAuthHeader() })).status).toBe(200);
    });

    it('leaves /healthz, /function/* and /async-function/* open; /metrics is on its own port (security audit #19)', async () => {
      expect((await anon.get('/healthz')).status).toBe(200);
      expect((await anon.get('/metrics')).status).toBe(404);
      expect((await platform.client('gateway-metrics').get('/metrics')).text).toContain('gateway_service_count');
      expect((await anon.post('/function/not-deployed', 'x')).status).toBe(404);
      expect((await anon.post('/async-function/not-deployed', 'x')).status).toBe(404);
    });
  });

  describe('secrets', () => {
    it('creates, lists names only, rejects duplicates and unknown names', async () => {
      expect((await gw.post('/system/secrets', { name: 'api-key', value: secretValue })).status).toBe(202);
      expect((await gw.post('/system/secrets', { name: 'api-key', value: 'other' })).status).toBe(409);
      expect(
        (
          await gw.post('/system/secrets', {
            name: 'bin',
            rawValue: Buffer.from([0, 1, 2, 255]).toString('base64'),
            namespace: 'openfaas-fn',
          })
        ).status,
      ).toBe(202);
      const list = await gw.get('/system/secrets');
      expect(list.status).toBe(200);
      expect(list.json()).toEqual([
        { name: 'api-key', namespace: 'openfaas-fn' },
        { name: 'bin', namespace: 'openfaas-fn' },
      ]);
      expect(list.text).not.toContain(secretValue);
      expect((await gw.put('/system/secrets', { name: 'missing', value: 'x' })).status).toBe(404);
      expect((await gw.delete('/system/secrets', { name: 'missing' })).status).toBe(404);
      for (const name of ['../etc', 'a/b', '..', 'UPPER', '', 'x'.repeat(300)]) {
        const reply = await gw.post('/system/secrets', { name, value: 'v' });
        expect(reply.status).toBe(400);
        expect(reply.text).not.toContain('"v"');
      }
      expect((await gw.get('/system/secrets?namespace=other-ns')).json()).toEqual([]);
    });

    it('refuses a deploy naming a secret that does not exist (400)', async () => {
      const reply = await gw.post('/system/functions', { service: 'no-secret', image: 'any', envProcess: 'cat', secrets: ['nope'] });
      expect(reply.status).toBe(400);
      expect(reply.text).toContain('nope');
      expect((await gw.get('/system/function/no-secret')).status).toBe(404);
    });

    it('gives the function its secret as a file, and the new value after PUT + update', async () => {
      const path = sandboxed ? '/var/openfaas/secrets/api-key' : undefined;
      const spec = sandboxed
        ? { service: 'reads-secret', image: 'any', envProcess: `cat ${path}`, secrets: ['api-key'] }
        : {
            service: 'reads-secret',
            image: 'any',
            envProcess: `${process.execPath} -e process.stdout.write(require('fs').readFileSync(process.env.SKIFF_SECRETS_DIR+'/api-key'))`,
            secrets: ['api-key'],
          };
      expect((await gw.post('/system/functions', spec)).status).toBe(202);
      await invokeUntil('reads-secret', (r) => r.status === 200 && r.text === secretValue);

      expect((await gw.put('/system/secrets', { name: 'api-key', value: 'rotated' })).status).toBe(202);
      expect((await gw.put('/system/functions', { ...spec, labels: { rev: '2' } })).status).toBe(202);
      await invokeUntil('reads-secret', (r) => r.status === 200 && r.text === 'rotated');
    });

    it('never writes a secret value to any service log', () => {
      expect(platform.logs()).not.toContain(secretValue);
      expect(platform.logs()).toContain('secret created');
    });

    it('deletes a secret (202, namespace in the body or, as faasd, the query) and then it is gone', async () => {
      // As with faasd, only in a namespace that exists.
      const refused = await gw.post('/system/secrets', { name: 'elsewhere', value: 'x', namespace: 'team-z' });
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('namespace not valid');
      expect((await gw.post('/system/namespace/', { name: 'team-z', labels: { openfaas: '1' } })).status).toBe(201);
      expect((await gw.post('/system/secrets', { name: 'elsewhere', value: 'x', namespace: 'team-z' })).status).toBe(202);
      expect((await gw.delete('/system/secrets?namespace=team-z', { name: 'elsewhere' })).status).toBe(202);
      expect((await gw.get('/system/secrets?namespace=team-z')).json()).toEqual([]);
      expect((await gw.delete('/system/secrets', { name: 'bin' })).status).toBe(202);
      expect((await gw.get('/system/secrets')).json<Array<{ name: string }>>().map((s) => s.name)).toEqual(['api-key']);
    });
  });

  describe('namespaces', () => {
    it('runs the same function name in two namespaces as two functions', async () => {
      for (const ns of ['team-a', 'team-b']) {
        // As with faasd, a namespace is created before anything is deployed into it.
        expect((await gw.post('/system/namespace/', { name: ns, labels: { openfaas: '1' } })).status).toBe(201);
        const deploy = await gw.post('/system/functions', { service: 'hello', image: 'any', namespace: ns, envProcess: `echo ${ns}` });
        expect(deploy.status).toBe(202);
      }
      await invokeUntil('hello.team-a', (r) => r.status === 200 && r.text.trim() === 'team-a');
      await invokeUntil('hello.team-b', (r) => r.status === 200 && r.text.trim() === 'team-b');
      expect((await gw.post('/function/hello', '')).status).toBe(404);
      const namespaces = (await gw.get('/system/namespaces')).json<string[]>();
      expect(namespaces).toEqual(expect.arrayContaining(['openfaas-fn', 'team-a', 'team-b']));
      const listA = (await gw.get('/system/functions?namespace=team-a')).json<FunctionStatus[]>();
      expect(listA.map((f) => [f.name, f.namespace])).toEqual([['hello', 'team-a']]);
    });

    it('has faasd CRUD on /system/namespace/<name>', async () => {
      const labels = { openfaas: '1' };
      expect((await gw.post('/system/namespace/', { name: 'staging', labels })).status).toBe(201);
      expect((await gw.post('/system/namespace/staging', { labels })).status).toBe(409);
      expect((await gw.post('/system/namespace/nolabel', { labels: { x: 'y' } })).status).toBe(400);
      expect((await gw.get('/system/namespace/staging')).json()).toEqual({ name: 'staging', labels });
      expect((await gw.get('/system/namespace/nowhere')).status).toBe(404);
      expect((await gw.put('/system/namespace/staging', { name: 'staging', labels, annotations: { owner: 'me' } })).status).toBe(202);
      expect((await gw.put('/system/namespace/staging', { name: 'other', labels })).status).toBe(400);
      expect((await gw.get('/system/namespace/staging')).json()).toEqual({ name: 'staging', labels, annotations: { owner: 'me' } });
      expect((await gw.get('/system/namespaces')).json()).toContain('staging');
      expect((await gw.delete('/system/namespace/staging')).status).toBe(202);
      // curl -d alone sends form encoding: refused (CSRF, security audit #4); with the JSON type it works.
      const form = await gw.post('/system/namespace/', JSON.stringify({ name: 'curl-made', labels }), {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(form.status).toBe(415);
      expect(form.text).toMatch(/Content-Type: application\/json/);
      expect(
        (
          await gw.post('/system/namespace/', JSON.stringify({ name: 'curl-made', labels }), {
            headers: { 'content-type': 'application/json' },
          })
        ).status,
      ).toBe(201);
      expect((await gw.post('/system/namespace/', '{oops', { headers: { 'content-type': 'application/json' } })).status).toBe(400);
      expect((await gw.delete('/system/namespace/curl-made')).status).toBe(202);
      expect((await gw.delete('/system/namespace/staging')).status).toBe(404);
      expect((await gw.get('/system/namespace/Bad_Name')).status).toBe(400);
    });

    it('refuses to delete a namespace that still holds functions (409 with the reason)', async () => {
      const reply = await gw.delete('/system/namespace/team-a');
      expect(reply.status).toBe(409);
      expect(reply.text).toMatch(/1 function/);
      expect((await gw.delete('/system/namespace/openfaas-fn')).status).toBe(409);
      expect((await gw.delete('/system/functions', { functionName: 'hello', namespace: 'team-b' })).status).toBe(202);
      expect((await gw.delete('/system/namespace/team-b')).status).toBe(202);
      expect((await gw.delete('/system/namespace/team-b')).status).toBe(404);
      expect((await gw.get('/system/namespaces')).json()).not.toContain('team-b');
    });
  });

  describe('shapes and limits', () => {
    it('stores limits and requests as sent and returns the OpenFaaS FunctionStatus shape', async () => {
      const spec = {
        service: 'shaped',
        image: 'any',
        envProcess: 'cat',
        limits: { memory: '256Mi', cpu: '500m' },
        requests: { memory: '64Mi', cpu: '100m' },
      };
      expect((await gw.post('/system/functions', spec)).status).toBe(202);
      const status = await eventually('shaped to be available', async () => {
        const s = (await gw.get('/system/function/shaped')).json<FunctionStatus>();
        return s.availableReplicas ? s : undefined;
      });
      expect(status).toMatchObject({
        name: 'shaped',
        namespace: 'openfaas-fn',
        limits: spec.limits,
        requests: spec.requests,
        labels: { faas_function: 'shaped' },
        annotations: {},
      });
      expect(status.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
      expect(status).not.toHaveProperty('envVars');
      const info = (await gw.get('/system/info')).json<{
        provider: { provider: string; orchestration: string; version: { sha: string; release: string } };
        version: { sha: string; release: string };
      }>();
      expect(info.provider).toMatchObject({
        provider: expect.any(String),
        orchestration: expect.any(String),
        version: { sha: expect.any(String), release: expect.any(String) },
      });
      expect(info.version).toMatchObject({ sha: expect.any(String), release: expect.any(String) });
    });

    it('kills a function that allocates past limits.memory, and runs it within the limit', async () => {
      const fn = (service: string, mb: number) => ({
        service,
        image: 'any',
        envProcess: `${process.execPath} ${ALLOC}`,
        envVars: { ALLOC_MB: String(mb) },
        limits: { memory: '160Mi' },
      });
      expect((await gw.post('/system/functions', fn('within-limit', 16))).status).toBe(202);
      expect((await gw.post('/system/functions', fn('past-limit', 400))).status).toBe(202);
      await invokeUntil('within-limit', (r) => r.status === 200 && r.text === 'allocated 16 MiB');
      // The replica is up (it answers something) but the allocation never completes.
      const reply = await invokeUntil('past-limit', (r) => r.status !== 503 && r.status !== 404);
      expect(reply.status).not.toBe(200);
      expect(reply.text).not.toContain('allocated');
    });

    (sandboxed ? it : it.skip)('runs every replica on a read-only root, readOnlyRootFilesystem or not (writable /tmp only)', async () => {
      const fn = (service: string, readOnlyRootFilesystem: boolean) => ({
        service,
        image: 'any',
        envProcess: `/bin/sh ${WRITE_PROBE}`,
        envVars: { PROBE_TARGET: probeTarget },
        readOnlyRootFilesystem,
      });
      for (const [service, readOnly] of [
        ['read-only', true],
        ['read-write', false],
      ] as const) {
        expect((await gw.post('/system/functions', fn(service, readOnly))).status).toBe(202);
        const reply = await invokeUntil(service, (r) => r.status === 200);
        expect(reply.text).toContain('tmp=ok');
        expect(reply.text).toContain('outside=failed');
        expect(existsSync(probeTarget)).toBe(false);
      }
    });
  });
});
