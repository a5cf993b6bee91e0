import 'reflect-metadata';
import { FunctionDeployment, FunctionRecord, parsePayload } from '@skiff/contracts';
import { normalizeSpec, toFunctionStatus } from './function-status.mapper';

const record = (spec: Partial<FunctionRecord['spec']> = {}, replicas = 1): FunctionRecord => ({
  spec: { service: 'echo', image: 'any', namespace: 'openfaas-fn', ...spec },
  replicas,
  createdAt: '2026-01-02T03:04:05.678Z',
  updatedAt: '2026-01-02T03:04:05.678Z',
});

describe('toFunctionStatus', () => {
  it('always has name, image, namespace, labels with faas_function, annotations and createdAt', () => {
    const status = toFunctionStatus(record(), { available: 0 });
    expect(status).toEqual({
      name: 'echo',
      image: 'any',
      namespace: 'openfaas-fn',
      labels: { faas_function: 'echo' },
      annotations: {},
      createdAt: '2026-01-02T03:04:05.678Z',
      replicas: 1,
    });
  });

  it('omits replicas and availableReplicas when zero, keeps them otherwise', () => {
    expect(toFunctionStatus(record({}, 0), { available: 0 })).not.toHaveProperty('replicas');
    expect(toFunctionStatus(record({}, 0), { available: 0 })).not.toHaveProperty('availableReplicas');
    const status = toFunctionStatus(record({}, 3), { available: 2 });
    expect(status.replicas).toBe(3);
    expect(status.availableReplicas).toBe(2);
  });

  it('omits empty envVars, constraints, secrets, limits and requests', () => {
    const status = toFunctionStatus(record({ envVars: {}, constraints: [], secrets: [], limits: {}, requests: {} }), { available: 1 });
    for (const field of ['envVars', 'constraints', 'secrets', 'limits', 'requests', 'envProcess', 'readOnlyRootFilesystem']) {
      expect(status).not.toHaveProperty(field);
    }
  });

  it('copies non-empty fields and merges user labels under faas_function', () => {
    const status = toFunctionStatus(
      record({
        envProcess: 'cat',
        envVars: { a: 'b' },
        constraints: ['node=x'],
        secrets: ['s1'],
        labels: { team: 'x', faas_function: 'spoofed' },
        annotations: { topic: 't' },
        limits: { memory: '128Mi' },
        requests: { cpu: '100m' },
        readOnlyRootFilesystem: true,
      }),
      { available: 1 },
    );
    expect(status).toMatchObject({
      envProcess: 'cat',
      envVars: { a: 'b' },
      constraints: ['node=x'],
      secrets: ['s1'],
      labels: { team: 'x', faas_function: 'echo' },
      annotations: { topic: 't' },
      limits: { memory: '128Mi' },
      requests: { cpu: '100m' },
      readOnlyRootFilesystem: true,
    });
  });

  it('does not share maps with the record', () => {
    const r = record({ labels: { a: '1' } });
    toFunctionStatus(r, { available: 0 }).labels.b = '2';
    expect(r.spec.labels).toEqual({ a: '1' });
  });
});

describe('normalizeSpec', () => {
  it('fills the namespace, drops nulls, empties and deprecated fields, and yields plain JSON', () => {
    const dep = parsePayload(FunctionDeployment, {
      service: 'echo',
      image: 'any',
      labels: null,
      annotations: {},
      envVars: { x: 'y' },
      limits: { memory: '64Mi' },
      requests: null,
      registryAuth: 'old',
      network: 'func_functions',
      readOnlyRootFilesystem: false,
    });
    const spec = normalizeSpec(dep, 'team-a');
    expect(spec).toEqual({ service: 'echo', image: 'any', namespace: 'team-a', envVars: { x: 'y' }, limits: { memory: '64Mi' } });
    expect(Object.getPrototypeOf(spec.limits)).toBe(Object.prototype);
  });
});
