// SKIFF_BACKEND=swarm on a real two-node swarm (the second dockerd in its own network namespace,
// images through a local registry), functions on an attachable overlay network (SKIFF_SWARM_NETWORK):
// a function scaled to 4 spreads over both nodes, calls reach replicas on both, and draining a node
// moves its tasks while calls keep succeeding. (The one-node tests use the default, the host network.)
import 'reflect-metadata';
import { subjects } from '@skiff/contracts';
import { HttpClient, runsDockerTests } from '@skiff/testing';
import { SwarmTestbed, docker } from './swarm-harness';
import { steadyLoad } from '../scaling/helpers';

jest.setTimeout(600_000);

const FN = 'where';
const SERVICE = `${subjects.prefix}-openfaas-fn-${FN}`.toLowerCase();

(runsDockerTests() ? describe : describe.skip)('swarm backend (two nodes)', () => {
  const bed = new SwarmTestbed();
  let gw: HttpClient;
  let manager: string;

  beforeAll(async () => {
    await bed.start(2, {}, { overlay: true });
    gw = bed.gw;
    manager = docker('info', '--format', '{{.Swarm.NodeID}}');
  });

  afterAll(() => bed.stop());

  const nodesAnswering = async (calls: number) => {
    const seen = new Set<string>();
    for (let i = 0; i < calls; i++) {
      const reply = await gw.post(`/function/${FN}`, 'x');
      expect(reply.status).toBe(200);
      seen.add(reply.json<{ node: string }>().node);
    }
    return seen;
  };

  it('spreads 4 replicas over both nodes, and calls reach replicas on both', async () => {
    const deployment = {
      service: FN,
      image: bed.image,
      envProcess: 'node /home/app/swarm-fn.js',
      // Docker expands the template per task: each replica knows its node.
      envVars: { mode: 'http', NODE_ID: '{{.Node.ID}}' },
      labels: { 'com.openfaas.scale.min': '4' },
    };
    expect((await gw.post('/system/functions', deployment)).status).toBe(202);
    await bed.eventually('4 running tasks on 2 nodes', () => {
      const nodes = bed.nodesOf(SERVICE);
      return nodes.length === 4 && new Set(nodes).size === 2;
    });
    await bed.eventually(
      '4 available replicas',
      async () => (await gw.get(`/system/function/${FN}`)).json<{ availableReplicas?: number }>().availableReplicas === 4,
    );
    await bed.eventually('answers from both nodes', async () => (await nodesAnswering(20)).size === 2);
    // On the overlay: the service is attached to it, and its containers on this node have an address on it.
    const networkId = docker('network', 'inspect', bed.network, '--format', '{{.Id}}');
    const networks = JSON.parse(docker('service', 'inspect', SERVICE, '--format', '{{json .Spec.TaskTemplate.Networks}}'));
    expect(networks.map((n: { Target: string }) => n.Target)).toEqual([networkId]);
    const attached = docker('network', 'inspect', bed.network, '--format', '{{json .Containers}}');
    expect(Object.values(JSON.parse(attached) as Record<string, { Name: string }>).some((c) => c.Name.startsWith(`${SERVICE}.`))).toBe(
      true,
    );
    expect([...(await nodesAnswering(20))].sort()).toEqual([manager, bed.node2].sort());
  });

  it('drains a node: its tasks move to the other one and calls keep succeeding', async () => {
    const load = steadyLoad(gw, `/function/${FN}`, 10);
    try {
      docker('node', 'update', '--availability', 'drain', bed.node2);
      await bed.eventually('all 4 tasks on the manager', () => {
        const nodes = bed.nodesOf(SERVICE);
        return nodes.length === 4 && nodes.every((n) => n === manager);
      });
      await bed.eventually('answers from the manager only', async () => [...(await nodesAnswering(10))].every((n) => n === manager));
    } finally {
      const sent = await load.stop();
      expect(sent).toBeGreaterThan(20);
    }
    expect(load.failures()).toBe(0);
    docker('node', 'update', '--availability', 'active', bed.node2);
  });

  it('deletes the function on every node', async () => {
    expect((await gw.delete('/system/functions', { functionName: FN })).status).toBe(202);
    await bed.eventually('no service left', () => bed.services().length === 0);
  });
});
