import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { validateKubeObject } from '../kube-schemas';
import { KubeObject, ObjectStore } from './object-store';
import { deploymentCauses, leaseDecodeError, metadataCauses, parseSelector, quantityDecodeError, secretCauses } from './object-rules';
import {
  ResourceRef,
  StatusCause,
  alreadyExists,
  badRequest,
  conflict,
  deleted,
  invalid,
  methodNotAllowed,
  notFound,
  pathNotFound,
} from './status';
import { WatchStream } from './watch-stream';
import { json, readBody, send } from './http-io';
import { handleScale } from './scale-subresource';
import { DeploymentController } from './deployment-controller';
import { DeploymentUsage, podMetricsOf } from './pod-metrics';

interface Resource extends ResourceRef {
  apiVersion: string;
  rules: (o: KubeObject) => StatusCause[];
}

const RESOURCES: Record<string, Resource> = {
  deployments: { resource: 'deployments', group: 'apps', kind: 'Deployment', apiVersion: 'apps/v1', rules: deploymentCauses },
  secrets: { resource: 'secrets', group: '', kind: 'Secret', apiVersion: 'v1', rules: secretCauses },
  leases: { resource: 'leases', group: 'coordination.k8s.io', kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', rules: metadataCauses },
};

/** `/api/v1/namespaces/<ns>`, or a namespaced collection / item / subresource of one of RESOURCES. */
const ROUTE =
  /^\/(?:api\/v1|apis\/apps\/v1|apis\/coordination\.k8s\.io\/v1)\/namespaces\/([^/]+)(?:\/(deployments|secrets|leases)(?:\/([^/]+)(?:\/(scale))?)?)?$/;
const METRICS = /^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/pods$/;

/** One request the fake received (tests assert on what the backend sent). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
}

/**
 * A local HTTP kube-apiserver for the paths Skiff's kubernetes backend uses: namespaces (read),
 * Deployments (list, watch, create, read, replace, delete, the scale subresource), Secrets, Leases,
 * and metrics.k8s.io PodMetrics (404 unless `podMetrics` is set, as on a cluster without metrics-server).
 * Every body sent is validated against the Kubernetes schema (kubernetes-models, plus strict fields);
 * failures are answered as the server would and collected in `violations`. A built-in controller
 * plays kube-controller-manager for Deployment status (replicas, availableReplicas).
 */
export class FakeApiServer {
  readonly store = new ObjectStore();
  readonly requests: RecordedRequest[] = [];
  /** Schema violations of request bodies (a correct backend leaves this empty). */
  readonly violations: string[] = [];
  readonly namespaces = new Map<string, Record<string, string>>();
  readonly controller: DeploymentController;
  /** PodMetrics items per namespace; undefined (and no `deploymentUsage`): metrics.k8s.io is not served. */
  podMetrics?: Map<string, unknown[]>;
  /** Per namespace, what each Deployment's pods use together: served as PodMetrics of its current pods. */
  deploymentUsage?: Map<string, Map<string, DeploymentUsage>>;
  /** Answer the next watch request with HTTP 410 instead of an ERROR event (servers without the watch cache). */
  nextWatchStatus410 = false;
  readonly watches = new Set<WatchStream>();
  /** Called with every request before it is answered (tests use it to make concurrent writes). */
  beforeHandle?: (request: RecordedRequest) => void;
  private server?: Server;

  constructor(readonly token = 'fake-token') {
    this.controller = new DeploymentController(this.store);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const w of this.watches) w.close();
    this.controller.stop();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Sends a bookmark to every watch that asked for bookmarks. */
  bookmark(): void {
    for (const w of this.watches) w.bookmark();
  }

  /** Compacts the history and ends open watches with 410 Expired, as after an etcd compaction. */
  expireWatches(): void {
    this.store.compact();
    for (const w of [...this.watches]) w.expire();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const text = await readBody(req);
    const query = Object.fromEntries(url.searchParams);
    let body: unknown;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        return send(res, badRequest(`the body of the request was in an unknown format`));
      }
    }
    const recorded: RecordedRequest = { method: req.method ?? '', path: url.pathname, query, body };
    this.requests.push(recorded);
    this.beforeHandle?.(recorded);
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return send(res, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });

    const metrics = METRICS.exec(url.pathname);
    if (metrics) {
      if ((!this.podMetrics && !this.deploymentUsage) || req.method !== 'GET') return send(res, pathNotFound());
      const generated = podMetricsOf(this.store, metrics[1], this.deploymentUsage?.get(metrics[1]) ?? new Map());
      const items = [...(this.podMetrics?.get(metrics[1]) ?? []), ...generated];
      const selector = parseSelector(url.searchParams.get('labelSelector'));
      const matching = items.filter((p) => selector(((p as KubeObject).metadata?.labels ?? {}) as Record<string, string>));
      return json(res, 200, { kind: 'PodMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: {}, items: matching });
    }
    const route = ROUTE.exec(url.pathname);
    if (!route) return send(res, pathNotFound());
    const [, namespace, collection, name, sub] = route;
    if (!collection) return this.namespace(req.method ?? '', namespace, res);
    const r = RESOURCES[collection];
    if (!url.pathname.startsWith(r.group ? `/apis/${r.apiVersion}/` : '/api/v1/')) return send(res, pathNotFound());
    if (!this.namespaces.has(namespace)) return send(res, notFound({ resource: 'namespaces', group: '', kind: 'Namespace' }, namespace));

    if (!name) {
      if (req.method === 'GET' && query.watch === 'true') return this.watch(r, namespace, query, res);
      if (req.method === 'GET') return this.list(r, namespace, query, res);
      if (req.method === 'POST') return this.create(r, namespace, body, res);
      return send(res, methodNotAllowed());
    }
    if (sub === 'scale') {
      if (r.resource !== 'deployments') return send(res, pathNotFound());
      return handleScale(this, req.method ?? '', namespace, name, body, res);
    }
    if (req.method === 'GET') {
      const o = this.store.get(r.resource, namespace, name);
      return o ? json(res, 200, o) : send(res, notFound(r, name));
    }
    if (req.method === 'PUT') return this.replace(r, namespace, name, body, res);
    if (req.method === 'DELETE') return this.delete(r, namespace, name, body, res);
    return send(res, methodNotAllowed());
  }

  private namespace(method: string, name: string, res: ServerResponse): void {
    const labels = this.namespaces.get(name);
    if (method !== 'GET') return send(res, methodNotAllowed());
    if (!labels) return send(res, notFound({ resource: 'namespaces', group: '', kind: 'Namespace' }, name));
    json(res, 200, {
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: { name, labels, resourceVersion: '1', uid: `ns-${name}` },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }

  private list(r: Resource, namespace: string, query: Record<string, string>, res: ServerResponse): void {
    const items = this.store.list(r.resource, namespace, parseSelector(query.labelSelector ?? null));
    json(res, 200, { kind: `${r.kind}List`, apiVersion: r.apiVersion, metadata: { resourceVersion: String(this.store.version) }, items });
  }

  private watch(r: Resource, namespace: string, query: Record<string, string>, res: ServerResponse): void {
    if (this.nextWatchStatus410) {
      this.nextWatchStatus410 = false;
      return json(res, 410, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${query.resourceVersion} (${this.store.compactedThrough})`,
        reason: 'Expired',
        code: 410,
      });
    }
    const stream: WatchStream = new WatchStream(
      this.store,
      {
        resource: r.resource,
        namespace,
        kind: r.kind,
        apiVersion: r.apiVersion,
        selector: parseSelector(query.labelSelector ?? null),
        resourceVersion: query.resourceVersion ?? '',
        bookmarks: query.allowWatchBookmarks === 'true',
        timeoutSeconds: query.timeoutSeconds ? Number(query.timeoutSeconds) : undefined,
      },
      res,
      () => this.watches.delete(stream),
    );
    this.watches.add(stream);
  }

  /** Schema, then kind and namespace, then the resource's validation rules: 400/422 as the server answers. */
  private check(r: Resource, namespace: string, body: unknown, res: ServerResponse): KubeObject | undefined {
    const errors = validateKubeObject(body);
    const o = body as KubeObject;
    if (errors.length) {
      this.violations.push(...errors.map((e) => `${r.kind} ${o?.metadata?.name}: ${e}`));
      // A value of the wrong type or format fails decoding (400); a missing required field fails validation (422).
      const missing = errors.filter((e) => /must have required property/.test(e));
      if (missing.length === errors.length)
        send(
          res,
          invalid(
            r,
            o?.metadata?.name ?? '',
            missing.map((e) => ({ reason: 'FieldValueRequired', message: `Required value: ${e}`, field: e.split(':')[0] })),
          ),
        );
      else
        send(
          res,
          badRequest(`${r.kind} in version "${r.apiVersion.split('/').pop()}" cannot be handled as a ${r.kind}: ${errors.join('; ')}`),
        );
      return undefined;
    }
    if (o.apiVersion !== r.apiVersion || o.kind !== r.kind) {
      send(res, badRequest(`the API version in the data (${o.apiVersion}) does not match the expected API version (${r.apiVersion})`));
      return undefined;
    }
    if (o.metadata.namespace && o.metadata.namespace !== namespace) {
      send(res, badRequest('the namespace of the provided object does not match the namespace sent on the request'));
      return undefined;
    }
    const decode = r.resource === 'leases' ? leaseDecodeError(o) : r.resource === 'deployments' ? quantityDecodeError(o) : undefined;
    if (decode) {
      send(res, badRequest(decode));
      return undefined;
    }
    const causes = r.rules(o);
    if (causes.length) {
      send(res, invalid(r, o.metadata.name, causes));
      return undefined;
    }
    o.metadata.namespace = namespace;
    return o;
  }

  private create(r: Resource, namespace: string, body: unknown, res: ServerResponse): void {
    const o = this.check(r, namespace, body, res);
    if (!o) return;
    if (this.store.get(r.resource, namespace, o.metadata.name)) return send(res, alreadyExists(r, o.metadata.name));
    delete o.metadata.resourceVersion;
    if (r.resource === 'deployments') this.controller.defaults(o);
    const created = this.store.create(r.resource, namespace, o);
    if (r.resource === 'deployments') this.controller.changed(namespace, created.metadata.name);
    json(res, 201, created);
  }

  private replace(r: Resource, namespace: string, name: string, body: unknown, res: ServerResponse): void {
    const o = this.check(r, namespace, body, res);
    if (!o) return;
    if (o.metadata.name !== name)
      return send(res, badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`));
    const current = this.store.get(r.resource, namespace, name);
    if (!current) return send(res, notFound(r, name));
    if (o.metadata.resourceVersion && o.metadata.resourceVersion !== current.metadata.resourceVersion) return send(res, conflict(r, name));
    o.metadata.uid = current.metadata.uid;
    o.metadata.creationTimestamp = current.metadata.creationTimestamp;
    if (r.resource === 'deployments') {
      this.controller.defaults(o);
      o.status = current.status; // the main resource ignores status: it has its own subresource
      const specChanged = JSON.stringify(o.spec) !== JSON.stringify(current.spec);
      o.metadata.generation = (current.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    }
    const updated = this.store.update(r.resource, namespace, o);
    if (r.resource === 'deployments') this.controller.changed(namespace, name);
    json(res, 200, updated);
  }

  private delete(r: Resource, namespace: string, name: string, body: unknown, res: ServerResponse): void {
    const current = this.store.get(r.resource, namespace, name);
    if (!current) return send(res, notFound(r, name));
    const uid = (body as { preconditions?: { uid?: string } } | undefined)?.preconditions?.uid;
    if (uid && uid !== current.metadata.uid)
      return send(res, conflict(r, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid}`));
    this.store.delete(r.resource, namespace, name);
    send(res, deleted(r, name, current.metadata.uid ?? ''));
  }
}
