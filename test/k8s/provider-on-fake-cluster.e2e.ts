// The built provider as a real process with SKIFF_BACKEND=kubernetes, behind a real gateway, on the
// run's NATS, against the fake API server: the lazy load of the (ESM) client from the CommonJS build,
// the leader Lease, deploy → Deployment, status back to the OpenFaaS API, scale through the scale
// subresource, delete; the scaler following memory from metrics.k8s.io (issue 17). The fake's simulated
// controller stands in for kubelets (no pods run), and its PodMetrics for metrics-server.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subjects } from '@skiff/contracts';
import { HttpClient, Platform, waitFor } from '@skiff/testing';
import { FakeApiServer } from './fake-apiserver/fake-apiserver';
import { FAST_SCALER_ENV } from '../scaling/helpers';

const NS = 'openfaas-fn';
const MIB = 2 ** 20;

describe('provider with SKIFF_BACKEND=kubernetes against the fake API server', () => {
  let fake: FakeApiServer;
  let platform: Platform;
  let gw: HttpClient;
  let dir: string;

  beforeAll(async () => {
    fake = new FakeApiServer();
    const server = await fake.start();
    fake.namespaces.set(NS, { openfaas: '1' });
    fake.namespaces.set('openfaas', {});
    dir = mkdtempSync(join(tmpdir(), 'skiff-kubeconfig-'));
    const kubeconfig = join(dir, 'config');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        // The fake serves plain HTTP: the client allows that only with TLS verification off.
        clusters: [{ name: 'fake', cluster: { server, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'skiff', user: { token: fake.token } }],
        contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'skiff' } }],
        'current-context': 'fake',
      }),
    );
    const provider = { SKIFF_BACKEND: 'kubernetes', SKIFF_KUBECONFIG: kubeconfig, SKIFF_K8S_LEASE_NAMESPACE: 'openfaas' };
    platform = await Platform.start({
      services: ['provider', 'gateway', 'scaler'],
      serviceEnv: { provider, scaler: FAST_SCALER_ENV },
      readyTimeoutMs: 120_000,
    });
    gw = platform.client();
  });

  afterAll(async () => {
    await platform?.stop();
    await fake?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploys, reports, scales and deletes a function as a Deployment, holding the leader Lease', async () => {
    const lease = fake.store.get('leases', 'openfaas', `skiff-${subjects.prefix}-provider.kubernetes`);
    expect((lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity).toMatch(/^provider /);

    expect((await gw.post('/system/functions', { service: 'echo', image: 'skiff/watchdog:dev', envProcess: 'cat' })).status).toBe(202);
    await waitFor('the Deployment', () => fake.store.get('deployments', NS, 'echo'), 30_000);
    const status = async () => (await gw.get('/system/function/echo')).json<{ replicas: number; availableReplicas: number }>();
    await waitFor('one available replica through the API', async () => (await status()).availableReplicas === 1, 30_000);

    expect((await gw.post('/system/scale-function/echo', { serviceName: 'echo', replicas: 3 })).status).toBe(202);
    await waitFor('three available', async () => (await status()).availableReplicas === 3, 30_000);
    expect(fake.requests.some((r) => r.method === 'PUT' && r.path === `/apis/apps/v1/namespaces/${NS}/deployments/echo/scale`)).toBe(true);

    const del = await gw.delete('/system/functions', { functionName: 'echo' });
    expect(del.status).toBeLessThan(300);
    await waitFor('the Deployment to go', () => !fake.store.get('deployments', NS, 'echo'), 30_000);
    expect(fake.violations).toEqual([]);
  });

  it('scales on memory from metrics.k8s.io, and leaves the replicas alone while the metrics API is not served', async () => {
    const labels = {
      'com.openfaas.scale.type': 'memory',
      'com.openfaas.scale.target': '200Mi',
      'com.openfaas.scale.target-proportion': '1',
      'com.openfaas.scale.max': '4',
      'com.openfaas.scale.down.window': '5s',
    };
    expect((await gw.post('/system/functions', { service: 'hog', image: 'skiff/watchdog:dev', envProcess: 'cat', labels })).status).toBe(
      202,
    );
    const status = async () => (await gw.get('/system/function/hog')).json<{ replicas: number; availableReplicas: number }>();
    await waitFor('one available replica', async () => (await status()).availableReplicas === 1, 30_000);

    // No metrics-server: the provider asks, hears 404, says so once, and nothing scales.
    const asked = () => fake.requests.filter((r) => r.path === `/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods`).length;
    await waitFor('the provider to ask the metrics API several times', () => asked() >= 3, 60_000);
    expect(platform.logs().split('metrics.k8s.io is not served').length - 1).toBe(1);
    expect((await status()).replicas).toBe(1);

    // metrics-server appears: the pods together use 500 MiB, 200 MiB per replica is the target → 3 replicas.
    fake.deploymentUsage = new Map([[NS, new Map([['hog', { memoryBytes: 500 * MIB, cpuMillicores: 300 }]])]]);
    await waitFor('three replicas for 500 MiB', async () => (await status()).replicas === 3, 60_000);
    fake.deploymentUsage.get(NS)!.set('hog', { memoryBytes: 100 * MIB, cpuMillicores: 30 });
    await waitFor('back to one replica after the down window', async () => (await status()).replicas === 1, 60_000);
    expect(fake.violations).toEqual([]);
  });
});
