import type { ServerResponse } from 'node:http';
import { validateKubeObject } from '../kube-schemas';
import type { FakeApiServer } from './fake-apiserver';
import type { KubeObject } from './object-store';
import { ResourceRef, badRequest, conflict, invalid, methodNotAllowed, notFound } from './status';
import { json, send } from './http-io';

/** GET/PUT `deployments/<name>/scale` (autoscaling/v1 Scale): only spec.replicas changes. */
export function handleScale(
  fake: FakeApiServer,
  method: string,
  namespace: string,
  name: string,
  body: unknown,
  res: ServerResponse,
): void {
  const r: ResourceRef = { resource: 'deployments', group: 'apps', kind: 'Deployment' };
  const current = fake.store.get('deployments', namespace, name);
  if (method !== 'GET' && method !== 'PUT') return send(res, methodNotAllowed());
  if (!current) return send(res, notFound(r, name));
  if (method === 'PUT') {
    const errors = validateKubeObject(body);
    if (errors.length) {
      fake.violations.push(...errors.map((e) => `Scale ${name}: ${e}`));
      return send(
        res,
        invalid(
          { resource: 'deployments', group: 'autoscaling', kind: 'Scale' },
          name,
          errors.map((e) => ({ reason: 'FieldValueInvalid', message: e, field: e.split(':')[0] })),
        ),
      );
    }
    const scale = body as KubeObject & { spec?: { replicas?: number } };
    if (scale.metadata.name !== name)
      return send(res, badRequest(`the name of the object (${scale.metadata.name}) does not match the name on the URL (${name})`));
    if (scale.metadata.resourceVersion && scale.metadata.resourceVersion !== current.metadata.resourceVersion)
      return send(res, conflict(r, name));
    const replicas = scale.spec?.replicas ?? 0;
    if (replicas < 0)
      return send(
        res,
        invalid({ resource: 'deployments', group: 'autoscaling', kind: 'Scale' }, name, [
          {
            reason: 'FieldValueInvalid',
            message: `Invalid value: ${replicas}: must be greater than or equal to 0`,
            field: 'spec.replicas',
          },
        ]),
      );
    const spec = current.spec as { replicas?: number };
    if (spec.replicas !== replicas) {
      spec.replicas = replicas;
      current.metadata.generation = (current.metadata.generation ?? 1) + 1;
      fake.store.update('deployments', namespace, current);
      fake.controller.changed(namespace, name);
    }
  }
  const now = fake.store.get('deployments', namespace, name)!;
  const status = (now.status ?? {}) as { replicas?: number };
  json(res, 200, {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name,
      namespace,
      uid: now.metadata.uid,
      resourceVersion: now.metadata.resourceVersion,
      creationTimestamp: now.metadata.creationTimestamp,
    },
    spec: { replicas: (now.spec as { replicas?: number }).replicas },
    status: {
      replicas: status.replicas ?? 0,
      selector: Object.entries((now.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
  });
}
