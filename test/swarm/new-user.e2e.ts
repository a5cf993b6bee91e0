// SKIFF_BACKEND=swarm as a new user tries it, through the CLI and the public API only: `skiff new
// --lang node20`, `skiff up --skip-push` (the image built by the local engine, a one-node swarm so no
// registry), invoke, scale, remove. The image, the service and the user's files are removed afterwards.
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subjects } from '@skiff/contracts';
import { runsDockerTests, TEST_ADMIN_PASSWORD } from '@skiff/testing';
import { buildImages, dockerQuiet, skiff } from '../docker/docker-harness';
import { SwarmTestbed } from './swarm-harness';

jest.setTimeout(900_000);

const FN = `${subjects.prefix}-hello`.toLowerCase();
const SERVICE = `${subjects.prefix}-openfaas-fn-${FN}`.toLowerCase();

(runsDockerTests() ? describe : describe.skip)('swarm backend: skiff new, up, invoke, scale, remove', () => {
  const bed = new SwarmTestbed();
  let home: string;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => skiff(args, home, env);

  beforeAll(async () => {
    // The node20 template's bases: node:20-bookworm-slim and Skiff's watchdog (skiff/watchdog:dev).
    buildImages(['watchdog']);
    await bed.start(1, {}, { fixture: false });
    home = mkdtempSync(join(tmpdir(), `${subjects.prefix}-newuser-`));
    env = { SKIFF_URL: bed.platform.url(), SKIFF_PASSWORD: TEST_ADMIN_PASSWORD, SKIFF_BACKEND: 'swarm', HOME: home };
  }, 1_800_000);

  afterAll(async () => {
    await bed.stop();
    dockerQuiet(['rmi', '-f', `${FN}:latest`]);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const available = async () => (await bed.gw.get(`/system/function/${FN}`)).json<{ availableReplicas?: number }>().availableReplicas ?? 0;

  it('makes a node20 function, builds it with the local engine and deploys it as a swarm service', async () => {
    cli('new', FN, '--lang', 'node20');
    const out = cli('up', '--skip-push');
    expect(out).toMatch(new RegExp(`${FN}`));
    expect(bed.services()).toEqual([SERVICE]);
    const spec = JSON.parse(bed.docker('service', 'inspect', SERVICE, '--format', '{{json .Spec.TaskTemplate.ContainerSpec}}'));
    expect(spec.Image).toMatch(new RegExp(`^${FN}:latest`));
    await bed.eventually('one available replica', async () => (await available()) >= 1);
  });

  it('invokes it', async () => {
    expect(skiff(['invoke', FN], home, { ...env }, 'hello swarm')).toContain('Received input');
  });

  it('scales it to 2 and back to 1', async () => {
    expect(cli('scale', FN, '--replicas', '2')).toContain('Scaled');
    await bed.eventually('2 running tasks', () => bed.runningTasks(SERVICE).length === 2);
    await bed.eventually('2 available replicas', async () => (await available()) === 2);
    expect(cli('scale', FN, '--replicas', '1')).toContain('Scaled');
    await bed.eventually('1 available replica', async () => (await available()) === 1);
    expect(skiff(['invoke', FN], home, { ...env }, 'again')).toContain('Received input');
  });

  it('removes it: the service is gone', async () => {
    cli('remove', FN);
    await bed.eventually('no service left', () => bed.services().length === 0);
    expect((await bed.gw.get(`/system/function/${FN}`)).status).toBe(404);
  });
});
