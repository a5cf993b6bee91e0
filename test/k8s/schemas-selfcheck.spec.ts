import { validateKubeObject } from './kube-schemas';

describe('kube-schemas (the validator the fake API server and the manifest test use)', () => {
  it('accepts a valid Deployment and rejects wrong types, missing required fields and unknown fields', () => {
    const ok = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
    };
    expect(validateKubeObject(ok)).toEqual([]);
    type Shape = typeof ok & { spec: { replicas?: unknown; template: { spec: { containers: Record<string, unknown>[] } } } };
    const wrongType = structuredClone(ok) as Shape;
    wrongType.spec.replicas = 'three';
    expect(validateKubeObject(wrongType).join()).toMatch(/replicas/);
    const missing = structuredClone(ok) as Shape;
    delete (missing.spec.template.spec.containers[0] as { name?: string }).name;
    expect(validateKubeObject(missing).join()).toMatch(/name/);
    const unknown = structuredClone(ok) as Shape;
    unknown.spec.template.spec.containers[0].imagePolicy = 'Always';
    expect(validateKubeObject(unknown)).toEqual([expect.stringMatching(/unknown field "imagePolicy"/)]);
  });
});
