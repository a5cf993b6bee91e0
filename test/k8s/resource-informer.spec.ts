import type { V1Deployment } from '@kubernetes/client-node';
import { waitFor } from '@skiff/testing/wait-for';
import { ResourceInformer } from '../../apps/provider/src/backend/kubernetes/resource-informer';
import { KubeClients } from '../../apps/provider/src/backend/kubernetes/kube-clients';
import { FakeApiServer } from './fake-apiserver/fake-apiserver';
import { fakeCluster } from './fake-apiserver/fake-cluster';
import { KubeObject } from './fake-apiserver/object-store';

const NS = 'openfaas-fn';
const SELECTOR = 'faas_function';

function deployment(name: string, labels: Record<string, string> = { faas_function: name }): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'i' }] } },
    },
  };
}

describe('the informer (list + watch) against the fake API server', () => {
  let fake: FakeApiServer;
  let clients: KubeClients;
  let informer: ResourceInformer<V1Deployment>;

  beforeEach(async () => {
    ({ fake, clients } = await fakeCluster());
    fake.store.create('deployments', NS, deployment('a'));
    fake.store.create('deployments', NS, deployment('not-a-function', { app: 'x' }));
    informer = new ResourceInformer<V1Deployment>({
      path: `/apis/apps/v1/namespaces/${NS}/deployments`,
      labelSelector: SELECTOR,
      list: () => clients.apps.listNamespacedDeployment({ namespace: NS, labelSelector: SELECTOR }),
      watch: clients.watch,
      maxBackoffMs: 200,
    });
    await informer.start();
  });

  afterEach(async () => {
    informer.stop();
    await fake.stop();
  });

  const watchRequests = () => fake.requests.filter((r) => r.query.watch === 'true');

  it('lists, then watches from the list version with bookmarks and the selector', async () => {
    expect(informer.list().map((d) => d.metadata?.name)).toEqual(['a']);
    const watch = await waitFor('a watch', () => watchRequests()[0]);
    expect(watch.query).toMatchObject({ resourceVersion: informer.version, allowWatchBookmarks: 'true', labelSelector: SELECTOR });
    fake.store.create('deployments', NS, deployment('b'));
    await waitFor('b to appear', () => informer.get('b'));
    fake.store.delete('deployments', NS, 'a');
    await waitFor('a to go', () => !informer.get('a'));
    expect(fake.requests.filter((r) => r.query.watch !== 'true' && r.method === 'GET')).toHaveLength(1); // one list only
  });

  it('moves its version on with bookmarks, so a resumed watch starts after them', async () => {
    await waitFor('a watch', () => fake.watches.size === 1);
    fake.store.advance(50); // writes elsewhere in the cluster
    fake.bookmark();
    await waitFor('the bookmark version', () => informer.version === String(fake.store.version));
    for (const w of [...fake.watches]) w.close(); // the server ends the watch (its timeout)
    await waitFor('a second watch', () => watchRequests().length === 2);
    expect(watchRequests()[1].query.resourceVersion).toBe(String(fake.store.version));
    expect(informer.lists).toBe(1);
  });

  it('lists again after 410 Gone sent as an ERROR event, and sees what changed meanwhile', async () => {
    await waitFor('a watch', () => fake.watches.size === 1);
    fake.expireWatches();
    fake.store.create('deployments', NS, deployment('c'));
    await waitFor('a re-list', () => informer.lists === 2);
    await waitFor('c to appear', () => informer.get('c'));
    await waitFor('a new watch', () => fake.watches.size === 1);
  });

  it('lists again after a watch answered with HTTP 410', async () => {
    await waitFor('a watch', () => fake.watches.size === 1);
    fake.nextWatchStatus410 = true;
    fake.store.delete('deployments', NS, 'a');
    fake.store.compact();
    for (const w of [...fake.watches]) w.close();
    await waitFor('a re-list', () => informer.lists === 2);
    expect(informer.get('a')).toBeUndefined();
  });

  it('retries a failing watch with backoff and keeps the last view meanwhile', async () => {
    await waitFor('a watch', () => fake.watches.size === 1);
    fake.beforeHandle = (r) => {
      if (r.query.watch === 'true') fake.namespaces.delete(NS); // the next watch fails with 404
    };
    for (const w of [...fake.watches]) w.close();
    await waitFor('two failed watches', () => watchRequests().length >= 3);
    expect(informer.get('a')).toBeDefined();
    fake.beforeHandle = undefined;
    fake.namespaces.set(NS, { openfaas: '1' });
    await waitFor('the watch back', () => fake.watches.size === 1);
  });
});
