import type { V1Deployment } from '@kubernetes/client-node';
import { FunctionRecord, subjects } from '@skiff/contracts';
import { waitFor } from '@skiff/testing/wait-for';
import { KubernetesBackend } from '../../apps/provider/src/backend/kubernetes/kubernetes.backend';
import { KubeClients } from '../../apps/provider/src/backend/kubernetes/kube-clients';
import { FakeApiServer } from './fake-apiserver/fake-apiserver';
import { fakeCluster } from './fake-apiserver/fake-cluster';

const NS = 'openfaas-fn';
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;

function record(spec: Partial<FunctionRecord['spec']> = {}, replicas = 1): FunctionRecord {
  return {
    spec: { service: 'echo', image: 'skiff/echo:dev', namespace: NS, ...spec },
    replicas,
    createdAt: '2026-12-07T00:00:00Z',
    updatedAt: '2026-12-07T00:00:00Z',
  };
}

/** The function's secrets as the provider's SecretStore returns them (values never leave the provider but for the cluster). */
const secretStore = {
  read: async (_ns: string, names: string[]) => names.map((name) => ({ name, value: Buffer.from(`value-of-${name}`), revision: 7 })),
};
const credentials = {
  access: { kind: 'minted' as const, url: 'nats://nats.openfaas.svc:4222' },
  perReplica: true,
  forFunction: async (ns: string, name: string) =>
    Buffer.from(`-----BEGIN NATS USER JWT-----\n${ns}.${name}\n------END NATS USER JWT------\n`),
};
const env = { SKIFF_LOG_LEVEL: 'info', SKIFF_K8S_IMAGE_PULL_POLICY: 'IfNotPresent' as const };

describe('kubernetes backend against the fake API server', () => {
  let fake: FakeApiServer;
  let clients: KubeClients;
  let backend: KubernetesBackend;

  beforeEach(async () => {
    ({ fake, clients } = await fakeCluster());
    backend = new KubernetesBackend(clients, env, secretStore, credentials);
  });

  afterEach(async () => {
    await backend.stopAll();
    await fake.stop();
    // Every body the backend sent validated against the Kubernetes schema (and strict fields).
    expect(fake.violations).toEqual([]);
  });

  const writes = () => fake.requests.filter((r) => r.method !== 'GET');
  const stored = (name = 'echo') => fake.store.get('deployments', NS, name) as unknown as V1Deployment;

  it('deploys a function as a Deployment with probes, resources, node selectors, secrets, a read-only root and a restricted security context', async () => {
    await backend.apply(
      record(
        {
          envVars: { GREETING: 'hi', SKIFF_NATS_URL: 'nats://evil:4222' },
          envProcess: 'cat',
          labels: { 'com.openfaas.scale.min': '2', team: 'a b' },
          annotations: { topic: 'orders', 'bad key!': 'x' },
          constraints: ['kubernetes.io/arch=amd64', 'node.labels.zone == west', 'node.role != manager'],
          limits: { memory: '128Mi', cpu: '500m' },
          requests: { memory: '64Mi' },
          secrets: ['api-key'],
        },
        2,
      ),
    );
    const d = stored();
    expect(d.metadata?.labels).toMatchObject({
      faas_function: 'echo',
      'app.kubernetes.io/managed-by': 'skiff',
      'com.openfaas.scale.min': '2',
    });
    expect(d.metadata?.labels).not.toHaveProperty('team'); // not a valid label value: kept in the registry only
    expect(d.spec?.replicas).toBe(2);
    expect(d.spec?.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const pod = d.spec!.template;
    expect(pod.metadata?.labels).toMatchObject({ faas_function: 'echo', 'com.openfaas.scale.min': '2' });
    expect(pod.metadata?.annotations).toMatchObject({ topic: 'orders' });
    expect(pod.spec?.nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64', 'node.labels.zone': 'west' });
    expect(pod.spec?.automountServiceAccountToken).toBe(false);
    expect(pod.spec?.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const c = pod.spec!.containers[0];
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.livenessProbe?.httpGet).toMatchObject({ path: '/_/health', port: 'health' });
    expect(c.readinessProbe?.httpGet).toMatchObject({ path: '/_/ready', port: 'health' });
    expect(c.resources).toEqual({ limits: { memory: '128Mi', cpu: '500m' }, requests: { memory: '64Mi' } });
    expect(c.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'secrets', mountPath: '/var/openfaas/secrets', readOnly: true },
      ]),
    );
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom?.fieldRef?.fieldPath]));
    expect(env).toMatchObject({
      GREETING: 'hi',
      fprocess: 'cat',
      SKIFF_NATS_URL: 'nats://nats.openfaas.svc:4222', // the platform's, not the function's
      SKIFF_FUNCTION_NAME: 'echo',
      SKIFF_SUBJECT_PREFIX: subjects.prefix,
      SKIFF_INSTANCE: 'metadata.name',
      SKIFF_NATS_CREDS: '/var/run/skiff/bus/nats.creds',
      SKIFF_WATCHDOG_PORT: '8081', // a bridged stock image keeps its own watchdog on 8080
    });
    expect(c.ports).toEqual([{ name: 'health', containerPort: 8081, protocol: 'TCP' }]);
    const secrets = fake.store.get('secrets', NS, 'skiff-secrets-echo') as unknown as { data: Record<string, string> };
    expect(Buffer.from(secrets.data['api-key'], 'base64').toString()).toBe('value-of-api-key');
    const bus = fake.store.get('secrets', NS, 'skiff-bus-echo') as unknown as { data: Record<string, string> };
    expect(Buffer.from(bus.data['nats.creds'], 'base64').toString()).toContain(`${NS}.echo`);
    // The simulated controller reports the replicas; the informer brings them to status().
    await waitFor('two available replicas', () => backend.status(NS, 'echo').available === 2);
    expect(backend.status(NS, 'echo')).toEqual({ running: 2, available: 2 });
    expect(backend.status(NS, 'other')).toEqual({ running: 0, available: 0 });
  });

  it('changes only the replica count through the scale subresource, down to zero', async () => {
    await backend.apply(record());
    await waitFor('one available', () => backend.status(NS, 'echo').available === 1);
    fake.requests.length = 0;
    await backend.apply(record({}, 3));
    expect(writes().map((r) => `${r.method} ${r.path}`)).toEqual([`PUT ${DEPLOYMENTS}/echo/scale`]);
    expect(writes()[0].body).toMatchObject({ apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 3 } });
    await waitFor('three available', () => backend.status(NS, 'echo').available === 3);
    await backend.apply(record({}, 0));
    await waitFor('zero replicas', () => backend.status(NS, 'echo').running === 0);
    expect(backend.status(NS, 'echo')).toEqual({ running: 0, available: 0 });
    expect(stored().spec?.replicas).toBe(0);
  });

  it('reports unavailable replicas as running but not available', async () => {
    fake.controller.unavailable.add('echo');
    await backend.apply(record({}, 2));
    await waitFor('two running', () => backend.status(NS, 'echo').running === 2);
    expect(backend.status(NS, 'echo')).toEqual({ running: 2, available: 0 });
  });

  it('rolls out a changed spec with a replace carrying the resourceVersion it read, and retries after a 409 conflict', async () => {
    await backend.apply(record());
    await waitFor('the informer to see the deployment', () => backend.status(NS, 'echo').available === 1);
    let raced = false;
    fake.beforeHandle = (r) => {
      if (r.method === 'PUT' && r.path === `${DEPLOYMENTS}/echo` && !raced) {
        raced = true; // another writer changes the Deployment between the backend's read and its write
        const d = fake.store.get('deployments', NS, 'echo')!;
        d.metadata.annotations = { ...d.metadata.annotations, 'someone/else': 'touched' };
        fake.store.update('deployments', NS, d);
      }
    };
    fake.requests.length = 0;
    await backend.apply(record({ image: 'skiff/echo:v2' }));
    const puts = fake.requests.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(2);
    expect((puts[0].body as V1Deployment).metadata?.resourceVersion).toBeDefined();
    expect((puts[1].body as V1Deployment).metadata?.resourceVersion).not.toBe((puts[0].body as V1Deployment).metadata?.resourceVersion);
    expect(stored().spec?.template.spec?.containers[0].image).toBe('skiff/echo:v2');
  });

  it('adopts what exists after a restart: no write when nothing changed', async () => {
    await backend.apply(record({ secrets: ['api-key'] }, 2));
    await backend.stopAll();
    const restarted = new KubernetesBackend(clients, env, secretStore, credentials);
    fake.requests.length = 0;
    await restarted.apply(record({ secrets: ['api-key'] }, 2));
    expect(writes()).toEqual([]);
    expect(restarted.status(NS, 'echo').running).toBe(2);
    await restarted.stopAll();
  });

  it('deletes the Deployment (with a uid precondition) and its Secrets', async () => {
    await backend.apply(record({ secrets: ['api-key'] }));
    await backend.remove(NS, 'echo');
    const del = fake.requests.find((r) => r.method === 'DELETE' && r.path === `${DEPLOYMENTS}/echo`);
    expect(del?.body).toMatchObject({ preconditions: { uid: expect.any(String) } });
    expect(fake.store.get('deployments', NS, 'echo')).toBeUndefined();
    expect(fake.store.get('secrets', NS, 'skiff-secrets-echo')).toBeUndefined();
    expect(fake.store.get('secrets', NS, 'skiff-bus-echo')).toBeUndefined();
    await waitFor('status to drop', () => backend.status(NS, 'echo').running === 0);
    await backend.remove(NS, 'echo'); // absent: nothing to do, no error
  });

  it('refuses namespaces that are missing or not labelled openfaas=1, and objects it did not make', async () => {
    await expect(backend.apply(record({ namespace: 'missing' }))).rejects.toThrow(/namespace missing does not exist.*openfaas=1/);
    fake.namespaces.set('plain', {});
    await expect(backend.apply(record({ namespace: 'plain' }))).rejects.toThrow(/kubectl label namespace plain openfaas=1/);
    fake.store.create('deployments', NS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'theirs', labels: { app: 'theirs' } },
      spec: {
        selector: { matchLabels: { app: 'theirs' } },
        template: { metadata: { labels: { app: 'theirs' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
    });
    await expect(backend.apply(record({ service: 'theirs' }))).rejects.toThrow(/not made by Skiff/);
    expect((stored('theirs').metadata?.labels ?? {})['app.kubernetes.io/managed-by']).toBeUndefined();
  });

  it("surfaces the API server's 422 (Invalid, with causes) with the server's reason", async () => {
    await expect(backend.apply(record({ annotations: { notes: 'x'.repeat(300_000) } }))).rejects.toThrow(
      /Deployment.apps "echo" is invalid: \[metadata.annotations: Too long: must have at most 262144 bytes, spec.template.metadata.annotations: Too long/,
    );
    expect(fake.store.get('deployments', NS, 'echo')).toBeUndefined();
  });

  it('reads CPU and memory from metrics.k8s.io when it is served, and reports none when it is not', async () => {
    await backend.apply(record({}, 2));
    await waitFor('replicas', () => backend.status(NS, 'echo').running === 2);
    expect(backend.usage()).toEqual([]);
    await waitFor('the missing metrics API to be noticed', () => fake.requests.some((r) => r.path.includes('metrics.k8s.io')));
    const pod = (name: string, cpu: string) => ({
      kind: 'PodMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: {
        name,
        namespace: NS,
        labels: { faas_function: 'echo', 'app.kubernetes.io/managed-by': 'skiff', 'skiff.dev/platform': subjects.prefix },
      },
      timestamp: '2026-12-07T00:00:00Z',
      window: '15s',
      containers: [{ name: 'echo', usage: { cpu, memory: '10Mi' } }],
    });
    fake.podMetrics = new Map([[NS, [pod('echo-a', '250m'), pod('echo-b', '500000000n')]]]);
    const usage = await waitFor(
      'cpu from the metrics API',
      async () => {
        await new Promise((r) => setTimeout(r, 100));
        const u = backend.usage();
        return u.length ? u : undefined;
      },
      20_000,
    );
    expect(usage).toEqual([{ name: 'echo', namespace: NS, replicas: 2, cpuMillicores: 750, memoryBytes: 2 * 10 * 2 ** 20 }]);
  });
});
