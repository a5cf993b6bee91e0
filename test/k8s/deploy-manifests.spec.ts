import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { validateKubeObject } from './kube-schemas';

const ROOT = resolve(__dirname, '..', '..');

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    automountServiceAccountToken?: boolean;
    serviceAccountName?: string;
    securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
    terminationGracePeriodSeconds?: number;
    containers: {
      name: string;
      image: string;
      readinessProbe?: unknown;
      livenessProbe?: unknown;
      resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
      securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
    }[];
  };
}

/** `kubectl kustomize deploy/k8s` with the secret inputs scripts/k8s-secrets.js writes (into a copy, never the checkout). */
function render(): Obj[] {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-k8s-'));
  try {
    cpSync(join(ROOT, 'deploy', 'k8s'), dir, { recursive: true });
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'k8s-secrets.js'), join(dir, 'secrets')], { stdio: 'pipe' });
    const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return parseAllDocuments(out).map((d) => unwrapSecretData(d.toJS() as Obj));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Kustomize writes generated Secret data as base64 wrapped at 70 columns; the API server's decoder
 * (Go's encoding/base64 via encoding/json) skips the newlines, the schema's "byte" format does not.
 */
function unwrapSecretData(o: Obj): Obj {
  if (o.kind !== 'Secret' || !o.data) return o;
  const data = Object.fromEntries(Object.entries(o.data as Record<string, string>).map(([k, v]) => [k, v.replace(/[\r\n]/g, '')]));
  return { ...o, data };
}

describe('deploy/k8s (kubectl kustomize, every object against the Kubernetes schemas)', () => {
  const objects = render();
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
  const template = (o: Obj) => (o.spec as { template: PodTemplate }).template;

  it('renders objects that all validate (types, required fields, no unknown fields)', () => {
    expect(objects.length).toBeGreaterThan(30);
    const problems = objects.flatMap((o) => validateKubeObject(o).map((e) => `${o.kind}/${o.metadata.name}: ${e}`));
    expect(problems).toEqual([]);
  });

  it('has the two namespaces, openfaas-fn marked for functions, both restricted', () => {
    expect(find('Namespace', 'openfaas')?.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    expect(find('Namespace', 'openfaas-fn')?.metadata.labels).toMatchObject({
      openfaas: '1',
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
  });

  it('runs NATS as a 3-server JetStream StatefulSet with volumes and operator auth', () => {
    const nats = find('StatefulSet', 'nats')!;
    expect(nats.spec).toMatchObject({ replicas: 3 });
    expect((nats.spec as { volumeClaimTemplates: unknown[] }).volumeClaimTemplates).toHaveLength(1);
    const conf = (find('ConfigMap', 'nats-config') as unknown as { data: Record<string, string> }).data['nats.conf'];
    expect(conf).toMatch(/jetstream \{/);
    expect(conf).toMatch(/include "auth\/auth.conf"/);
    const auth = objects.find((o) => o.kind === 'Secret' && o.metadata.name.startsWith('nats-auth')) as unknown as {
      data: Record<string, string>;
    };
    expect(Buffer.from(auth.data['auth.conf'], 'base64').toString()).toMatch(/^operator: ey/m);
  });

  it('runs the six services from skiff/<service>:dev with probes, resources, graceful termination and restricted security contexts', () => {
    const services = ['gateway', 'provider', 'scaler', 'queue-worker', 'connector-cron', 'connector-webhook'];
    for (const name of services) expect(template(find('Deployment', name)!).spec.containers[0].image).toBe(`skiff/${name}:dev`);
    for (const w of workloads) {
      const pod = template(w);
      expect({ [w.metadata.name]: pod.spec.securityContext }).toMatchObject({
        [w.metadata.name]: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      });
      expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
      for (const c of pod.spec.containers) {
        expect({ [c.name]: !!c.readinessProbe && !!c.livenessProbe }).toEqual({ [c.name]: true });
        expect(c.resources?.requests?.memory).toBeDefined();
        expect(c.resources?.limits?.memory).toBeDefined();
        expect(c.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
      }
    }
  });

  it('gives every service a PodDisruptionBudget, Prometheus scrape annotations, and the gateway 2 replicas and an HPA', () => {
    const pdbs = objects
      .filter((o) => o.kind === 'PodDisruptionBudget')
      .map((o) => (o.spec as { selector: { matchLabels: { app: string } } }).selector.matchLabels.app);
    for (const w of workloads.filter((w) => w.metadata.name !== 'redis')) expect(pdbs).toContain(w.metadata.name);
    for (const d of objects.filter((o) => o.kind === 'Deployment'))
      expect(template(d).metadata?.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/path': '/metrics' });
    expect(find('Deployment', 'gateway')?.spec).toMatchObject({ replicas: 2 });
    expect(find('HorizontalPodAutoscaler', 'gateway')?.spec).toMatchObject({
      minReplicas: 2,
      scaleTargetRef: { kind: 'Deployment', name: 'gateway' },
    });
  });

  it('gives API access to the provider alone, limited to what the kubernetes backend calls', () => {
    for (const d of objects.filter((o) => o.kind === 'Deployment' && o.metadata.name !== 'provider'))
      expect({ [d.metadata.name]: template(d).spec.automountServiceAccountToken }).toEqual({ [d.metadata.name]: false });
    expect(template(find('Deployment', 'provider')!).spec.serviceAccountName).toBe('skiff-provider');
    const rules = (name: string, kind = 'ClusterRole') => (find(kind, name) as unknown as { rules: unknown[] }).rules;
    expect(rules('skiff-provider-functions')).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'update', 'delete'] },
      { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get', 'update'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'update', 'delete'] },
      { apiGroups: ['metrics.k8s.io'], resources: ['pods'], verbs: ['list'] },
    ]);
    expect(rules('skiff-provider-namespaces')).toEqual([{ apiGroups: [''], resources: ['namespaces'], verbs: ['get'] }]);
    expect(rules('skiff-provider-lease', 'Role')).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
    ]);
  });

  it('lets function pods reach only NATS and DNS', () => {
    const policy = find('NetworkPolicy', 'functions-reach-only-nats')!;
    expect(policy.metadata.namespace).toBe('openfaas-fn');
    expect(policy.spec).toMatchObject({ policyTypes: ['Ingress', 'Egress'], ingress: [] });
    const ports = (policy.spec as { egress: { ports: { port: number }[] }[] }).egress.flatMap((e) => e.ports.map((p) => p.port));
    expect(ports.sort()).toEqual([4222, 53, 53].sort());
  });
});
