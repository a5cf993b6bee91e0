// SKIFF_BACKEND=swarm when the swarm manager's dockerd restarts under a running platform (as
// `systemctl restart docker` does): the containers stop with it and Docker starts new tasks; a scale
// and a delete asked while it is down are applied once it is back. Afterwards nothing is duplicated
// (the same services, one per function, as many live containers as replicas), nothing is orphaned
// (the deleted function's service and secrets are gone), and calls work again. The dockerd restarted
// is the test's own (a one-node swarm in a network namespace), never the one other tests use.
import 'reflect-metadata';
import { subjects } from '@skiff/contracts';
import { HttpClient, runsDockerTests } from '@skiff/testing';
import { SwarmTestbed } from './swarm-harness';

jest.setTimeout(600_000);

const serviceOf = (fn: string) => `${subjects.prefix}-openfaas-fn-${fn}`.toLowerCase();

(runsDockerTests() ? describe : describe.skip)('swarm backend: dockerd restart', () => {
  const bed = new SwarmTestbed();
  let gw: HttpClient;

  beforeAll(async () => {
    await bed.start(1, {}, { own: true });
    gw = bed.gw;
  });

  afterAll(() => bed.stop());

  const deployment = (service: string, replicas: number, secrets: string[] = []) => ({
    service,
    image: bed.image,
    envProcess: 'node /home/app/swarm-fn.js',
    envVars: { mode: 'http', VERSION: '1' },
    labels: { 'com.openfaas.scale.min': String(replicas) },
    secrets,
  });

  const available = async (name: string) =>
    (await gw.get(`/system/function/${name}`)).json<{ availableReplicas?: number }>().availableReplicas ?? 0;

  /** Every Docker secret of this run, by name. */
  const secrets = () => bed.dockerLines('secret', 'ls', '--filter', `label=com.skiff.prefix=${subjects.prefix}`, '--format', '{{.Name}}');

  it('reconciles after dockerd restarts: nothing duplicated, nothing orphaned, calls work again', async () => {
    expect((await gw.post('/system/secrets', { name: 'token', value: 't0ken' })).status).toBeLessThan(300);
    expect((await gw.post('/system/functions', deployment('alpha', 2))).status).toBe(202);
    expect((await gw.post('/system/functions', deployment('beta', 1, ['token']))).status).toBe(202);
    await bed.eventually('alpha and beta available', async () => (await available('alpha')) === 2 && (await available('beta')) === 1);
    expect((await gw.post('/function/alpha', 'x')).status).toBe(200);
    expect((await gw.get('/function/beta/secret?name=token')).text).toBe('t0ken');
    const ids = () => bed.docker('service', 'inspect', serviceOf('alpha'), '--format', '{{.ID}}');
    const alphaId = ids();
    expect(secrets().some((s) => s.includes('-s-token-'))).toBe(true);

    // Asked of the platform while dockerd is down: accepted (the registry is the truth), applied once Docker is back.
    await bed.restartDockerd(async () => {
      expect((await gw.post('/system/scale-function/alpha', { serviceName: 'alpha', replicas: 3 })).status).toBeLessThan(300);
      expect((await gw.delete('/system/functions', { functionName: 'beta' })).status).toBe(202);
      await new Promise((r) => setTimeout(r, 2_000));
    });

    await bed.eventually('alpha: 3 available replicas', async () => (await available('alpha')) === 3);
    await bed.eventually("beta's service removed", () => bed.services().length === 1);
    // The same service (adopted, not made again), one per function, and only its replicas' containers alive.
    expect(bed.services()).toEqual([serviceOf('alpha')]);
    expect(ids()).toBe(alphaId);
    await bed.eventually('3 live containers of alpha', () => bed.liveContainers(serviceOf('alpha')).length === 3);
    // No other container of this platform left running (beta's stops once its service is removed).
    let alive: string[] = [];
    await bed
      .eventually('only the 3 containers of alpha alive', () => {
        alive = bed.dockerLines('ps', '--filter', `label=com.skiff.prefix=${subjects.prefix}`, '--format', '{{.Names}} {{.Status}}');
        return alive.length === 3 && alive.every((c) => c.startsWith(`${serviceOf('alpha')}.`));
      })
      .catch((err: Error) => Promise.reject(new Error(`${err.message}\nalive: ${alive.join(', ')}`)));
    // beta's secret and bus credentials went with it.
    await bed.eventually("beta's Docker secrets removed", () => secrets().every((s) => !s.includes('-beta-') && !s.includes('-s-token-')));

    for (let i = 0; i < 6; i++) expect((await gw.post('/function/alpha', 'x')).status).toBe(200);
    expect((await gw.get('/function/beta')).status).toBe(404);
  });
});
