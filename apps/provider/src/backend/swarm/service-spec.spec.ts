import type { ContainerTaskSpec } from 'dockerode';
import { FunctionRecord } from '@skiff/contracts';
import { buildServiceSpec, specHash } from './service-spec';
import { LABELS, dockerName } from './swarm-names';

const settings = { prefix: 'faas', natsUrl: 'nats://127.0.0.1:4222', logLevel: 'info', user: '1000:1000', network: 'host' };

function record(spec: Partial<FunctionRecord['spec']> = {}, replicas = 1): FunctionRecord {
  return {
    spec: { service: 'echo', image: 'reg:5000/echo:1', namespace: 'openfaas-fn', ...spec },
    replicas,
    createdAt: '2026-01-01T00:00:00Z',
  } as FunctionRecord;
}

const container = (r: FunctionRecord, ...rest: Parameters<typeof buildServiceSpec> extends [unknown, unknown, ...infer T] ? T : never) =>
  (buildServiceSpec(r, settings, ...rest).TaskTemplate as ContainerTaskSpec).ContainerSpec!;

describe('buildServiceSpec', () => {
  it('puts the platform variables after the function env, so a function cannot override them', () => {
    const env = container(record({ envVars: { SKIFF_NATS_URL: 'nats://evil:4222', A: '1' }, envProcess: 'cat' }), []).Env!;
    expect(env).toContain('SKIFF_NATS_URL=nats://127.0.0.1:4222');
    expect(env).not.toContain('SKIFF_NATS_URL=nats://evil:4222');
    expect(env).toEqual(expect.arrayContaining(['A=1', 'fprocess=cat', 'SKIFF_INSTANCE=echo-{{.Task.ID}}', 'SKIFF_LOCK_FILE=/tmp/.lock']));
  });

  it('locks the container down: non-root user, no capabilities, tmpfs /tmp, read-only root on request', () => {
    const c = container(record({ readOnlyRootFilesystem: true }), []);
    expect(c).toMatchObject({ User: '1000:1000', CapabilityDrop: ['ALL'], ReadOnly: true });
    expect(c.Mounts).toEqual([expect.objectContaining({ Type: 'tmpfs', Target: '/tmp' })]);
    expect(container(record(), []).ReadOnly).toBe(false);
  });

  it('mounts secrets and the bus credentials as files for the function user only', () => {
    const c = container(record(), [{ id: 's1', dockerName: 'faas-x', target: '/var/openfaas/secrets/key' }], {
      id: 'c1',
      dockerName: 'faas-nats',
      target: '/var/run/skiff/nats.creds',
    });
    expect(c.Secrets).toEqual([
      { SecretID: 's1', SecretName: 'faas-x', File: { Name: '/var/openfaas/secrets/key', UID: '1000', GID: '1000', Mode: 0o400 } },
      { SecretID: 'c1', SecretName: 'faas-nats', File: { Name: '/var/run/skiff/nats.creds', UID: '1000', GID: '1000', Mode: 0o400 } },
    ]);
    expect(c.Env).toContain('SKIFF_NATS_CREDS=/var/run/skiff/nats.creds');
  });

  it('maps limits, requests, constraints, labels and annotations', () => {
    const spec = buildServiceSpec(
      record({
        limits: { memory: '128Mi', cpu: '500m' },
        requests: { memory: '64Mi' },
        constraints: ['node.role == worker'],
        labels: { team: 'blue', [LABELS.prefix]: 'spoofed' },
        annotations: { owner: 'ops' },
      }),
      settings,
      [],
    );
    const task = spec.TaskTemplate as ContainerTaskSpec;
    expect(task.Resources).toEqual({
      Limits: { NanoCPUs: 500_000_000, MemoryBytes: 128 * 1024 ** 2 },
      Reservations: { MemoryBytes: 64 * 1024 ** 2 },
    });
    expect(task.Placement?.Constraints).toEqual(['node.role == worker']);
    expect(spec.Labels).toMatchObject({
      team: 'blue',
      [LABELS.prefix]: 'faas',
      'com.openfaas.annotations.owner': 'ops',
      [LABELS.function]: 'echo',
    });
    expect(spec.UpdateConfig).toMatchObject({ Order: 'start-first', Parallelism: 1 });
  });

  it('hashes everything but the replica count', () => {
    const one = buildServiceSpec(record({}, 1), settings, []);
    const three = buildServiceSpec(record({}, 3), settings, []);
    const changed = buildServiceSpec(record({ envVars: { V: '2' } }, 1), settings, []);
    expect(one.Labels![LABELS.specHash]).toBe(three.Labels![LABELS.specHash]);
    expect(one.Labels![LABELS.specHash]).not.toBe(changed.Labels![LABELS.specHash]);
    expect(specHash(one)).toBe(one.Labels![LABELS.specHash]);
  });
});

describe('dockerName', () => {
  it('keeps clean names and makes other ones valid and distinct', () => {
    expect(dockerName('faas', 'openfaas-fn', 'echo')).toBe('faas-openfaas-fn-echo');
    const a = dockerName('T_1', 'ns', 'fn');
    const b = dockerName('t-1', 'ns', 'fn');
    expect(a).toMatch(/^[a-z0-9-]+$/);
    expect(a).not.toBe(b);
    expect(dockerName('p', 'n'.repeat(63), 'f'.repeat(63)).length).toBeLessThanOrEqual(63);
  });
});
