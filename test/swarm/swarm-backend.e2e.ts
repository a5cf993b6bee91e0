// SKIFF_BACKEND=swarm on a one-node Docker Swarm, through the public gateway API only: deploy,
// invoke, an invalid placement constraint refused (400), secret, scale, rolling update without failed
// calls, logs, 302 pass-through, provider restart (adopted, not duplicated; a function deleted
// meanwhile is removed), delete.
import 'reflect-metadata';
import { subjects } from '@skiff/contracts';
import { HttpClient, runsDockerTests } from '@skiff/testing';
import { SwarmTestbed, docker, dockerLines } from './swarm-harness';
import { steadyLoad } from '../scaling/helpers';

jest.setTimeout(600_000);

const FN = 'echo';
const SERVICE = `${subjects.prefix}-openfaas-fn-${FN}`.toLowerCase();

interface Answer {
  version: string;
  instance: string;
  uid: number;
  tmpWritable: boolean;
  rootWritable: boolean;
  credentialsInEnv: boolean;
}

(runsDockerTests() ? describe : describe.skip)('swarm backend (one node)', () => {
  const bed = new SwarmTestbed();
  let gw: HttpClient;

  beforeAll(async () => {
    await bed.start(1);
    gw = bed.gw;
  });

  afterAll(() => bed.stop());

  const deployment = (version: string, extra: Record<string, unknown> = {}) => ({
    service: FN,
    image: bed.image,
    envProcess: 'node /home/app/swarm-fn.js',
    envVars: { mode: 'http', VERSION: version },
    secrets: ['api-key'],
    readOnlyRootFilesystem: true,
    labels: { team: 'blue' },
    annotations: { owner: 'ops' },
    limits: { memory: '128Mi' },
    constraints: ['node.role == manager'],
    ...extra,
  });

  const available = async (name = FN) =>
    (await gw.get(`/system/function/${name}`)).json<{ availableReplicas?: number }>().availableReplicas ?? 0;

  it('deploys a function as a labelled, locked-down service and invokes it', async () => {
    const created = await gw.post('/system/secrets', { name: 'api-key', value: 's3cret-v1' });
    expect(`${created.status} ${created.text}`).toMatch(/^20[0-2]/);
    expect((await gw.post('/system/functions', deployment('1'))).status).toBe(202);
    await bed.eventually('one available replica', async () => (await available()) >= 1);

    const reply = await gw.post(`/function/${FN}`, 'hi');
    expect(reply.status).toBe(200);
    const answer = reply.json<Answer>();
    expect(answer).toMatchObject({ version: '1', uid: 1000, tmpWritable: true, rootWritable: false, credentialsInEnv: false });
    expect(answer.instance).toMatch(new RegExp(`^${FN}-[a-z0-9]{25}$`));

    expect(bed.services()).toEqual([SERVICE]);
    const spec = JSON.parse(docker('service', 'inspect', SERVICE, '--format', '{{json .Spec}}'));
    expect(spec.Labels).toMatchObject({
      'com.openfaas.function': FN,
      'com.skiff.namespace': 'openfaas-fn',
      'com.skiff.prefix': subjects.prefix,
      team: 'blue',
      'com.openfaas.annotations.owner': 'ops',
    });
    const container = spec.TaskTemplate.ContainerSpec;
    expect(container).toMatchObject({ User: '1000:1000', ReadOnly: true, CapabilityDrop: ['ALL'] });
    expect(spec.TaskTemplate.Resources.Limits.MemoryBytes).toBe(128 * 1024 * 1024);
    expect(spec.UpdateConfig.Order).toBe('start-first');
    expect(spec.TaskTemplate.Placement.Constraints).toEqual(['node.role == manager']);
    // The bus credentials are a file (a Docker secret), never a variable or an argument.
    expect(container.Env.some((e: string) => e.includes('BEGIN NATS'))).toBe(false);
    expect(container.Secrets.map((s: { File: { Name: string } }) => s.File.Name).sort()).toEqual([
      '/var/openfaas/secrets/api-key',
      '/var/run/skiff/nats.creds',
    ]);
  });

  it('answers 400 with the reason for a placement constraint swarm would refuse or never satisfy', async () => {
    const bad = await gw.post('/system/functions', { ...deployment('1'), service: 'placed', constraints: ['node.labels.zone=east'] });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('constraints: "node.labels.zone=east": expected <key> == <value>');
    expect((await gw.get('/system/function/placed')).status).toBe(404);
    const before = docker('service', 'inspect', SERVICE, '--format', '{{.Version.Index}}');
    const update = await gw.put('/system/functions', { ...deployment('1'), constraints: ['node.role==manager', 'node.rolee==manager'] });
    expect(update.status).toBe(400);
    expect(update.text).toContain('unknown key "node.rolee"');
    expect(docker('service', 'inspect', SERVICE, '--format', '{{.Version.Index}}')).toBe(before);
    expect(bed.services()).toEqual([SERVICE]);
  });

  it('mounts the secret at /var/openfaas/secrets/<name>', async () => {
    const reply = await gw.get(`/function/${FN}/secret?name=api-key`);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('s3cret-v1');
  });

  it('passes a 302 from the function through (not followed)', async () => {
    const reply = await gw.get(`/function/${FN}/redirect`);
    expect(reply.status).toBe(302);
    expect(reply.headers.get('location')).toBe('/elsewhere');
  });

  it('scales to 3: three running tasks, three available replicas', async () => {
    expect((await gw.post(`/system/scale-function/${FN}`, { serviceName: FN, replicas: 3 })).status).toBeLessThan(300);
    await bed.eventually('3 running tasks', () => bed.runningTasks(SERVICE).length === 3);
    await bed.eventually('3 available replicas', async () => (await available()) === 3);
    expect(bed.services()).toEqual([SERVICE]);
  });

  it('rolls a spec change out (start-first) with no failed call, onto the new secret value too', async () => {
    expect((await gw.put('/system/secrets', { name: 'api-key', value: 's3cret-v2' })).status).toBeLessThan(300);
    const load = steadyLoad(gw, `/function/${FN}`, 10);
    try {
      expect((await gw.put('/system/functions', deployment('2'))).status).toBe(202);
      await bed.eventually(
        'every call answered by version 2',
        async () => {
          const answers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => gw.post(`/function/${FN}`, 'x')));
          return answers.every((a) => a.status === 200 && a.json<Answer>().version === '2');
        },
        240_000,
      );
      // Not just 3 running tasks: that count is also true between two steps of the update, with old ones among
      // them, and an old task shut down by the manager answers calls until its container gets SIGTERM.
      await bed.eventually(
        'the update completed: 3 live containers, all of version 2',
        () => bed.rolledOut(SERVICE, 'VERSION=2', 3),
        240_000,
      );
    } finally {
      const sent = await load.stop();
      expect(sent).toBeGreaterThan(20);
    }
    expect(load.failures()).toBe(0);
    const secret = (await gw.get(`/function/${FN}/secret?name=api-key`)).text;
    const mounted = docker('service', 'inspect', SERVICE, '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Secrets}}');
    expect(`${secret} ${mounted}`).toMatch(/^s3cret-v2 /);
    expect(mounted).toMatch(/-s-api-key-r\d+/);
    expect(bed.services()).toEqual([SERVICE]);
  });

  it('ships the function output to /system/logs', async () => {
    // A line no other call writes, whichever replica serves it.
    const path = `/logged-${Date.now().toString(36)}`;
    const called = await gw.post(`/function/${FN}${path}`, 'x');
    expect(called.status).toBe(200);
    const line = await bed.eventually('the function log line', async () => {
      const reply = await gw.get(`/system/logs?name=${FN}&tail=200`);
      if (reply.status !== 200) return undefined;
      return reply.text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { name: string; instance: string; text: string })
        .find((l) => l.text.startsWith(`served POST ${path} `));
    });
    expect(line).toMatchObject({ name: FN, instance: called.json<Answer>().instance, text: `served POST ${path} version=2\n` });
  });

  it('adopts its services after a provider restart (nothing duplicated) and removes those of unregistered functions', async () => {
    // The service and its spec as Docker stores them: an update by the new provider would change the spec
    // (a task restarted by Docker after a crash would not, so task IDs are not compared).
    const identity = () => docker('service', 'inspect', SERVICE, '--format', '{{.ID}} {{json .Spec}}');
    const before = identity();
    await bed.platform.stopService('provider');
    // What a provider that died between forgetting a function and removing its service leaves behind.
    const stray = `${subjects.prefix}-openfaas-fn-stray`.toLowerCase();
    docker(
      'service',
      'create',
      '-q',
      '-d',
      '--name',
      stray,
      '--replicas',
      '0',
      '--label',
      `com.skiff.prefix=${subjects.prefix}`,
      '--label',
      'com.openfaas.function=stray',
      '--label',
      'com.skiff.namespace=openfaas-fn',
      bed.image,
    );
    await bed.platform.startService('provider');

    await bed.eventually('the stray service removed', () => !bed.services().includes(stray));
    await bed.eventually('3 available replicas again', async () => (await available()) === 3);
    // The same service with the same spec: adopted, not made again or updated.
    expect(identity()).toBe(before);
    expect(bed.services()).toEqual([SERVICE]);
    expect((await gw.post(`/function/${FN}`, 'x')).status).toBe(200);
  });

  it('deletes the function: the service and its secrets are gone', async () => {
    expect((await gw.delete('/system/functions', { functionName: FN })).status).toBe(202);
    await bed.eventually('no service left', () => bed.services().length === 0);
    await bed.eventually(
      'no Docker secret left',
      () => dockerLines('secret', 'ls', '-q', '--filter', `label=com.skiff.prefix=${subjects.prefix}`).length === 0,
    );
    expect((await gw.get(`/system/function/${FN}`)).status).toBe(404);
  });
});
