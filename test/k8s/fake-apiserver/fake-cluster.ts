import { KubeConfig } from '@kubernetes/client-node';
import { KubeClients, kubeClients } from '../../../apps/provider/src/backend/kubernetes/kube-clients';
import { FakeApiServer } from './fake-apiserver';

/** A started fake API server, a namespace labelled for functions, and clients configured for it (token auth, as a kubeconfig would). */
export async function fakeCluster(namespaces: Record<string, Record<string, string>> = { 'openfaas-fn': { openfaas: '1' } }) {
  const fake = new FakeApiServer();
  const server = await fake.start();
  for (const [name, labels] of Object.entries(namespaces)) fake.namespaces.set(name, labels);
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'skiff', token: fake.token }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'skiff' }],
    currentContext: 'fake',
  });
  const clients: KubeClients = kubeClients(config);
  return { fake, server, clients };
}
