import 'reflect-metadata';
import { describe, expect, it, jest, beforeAll, afterAll } from '@jest/globals';
import { ERROR_CODES, FunctionStatus, RPC } from '@skiff/contracts';
import { ServiceProcess, waitFor } from '@skiff/testing';
import { ProviderTestBus, alive, freePort, startProvider, statusOf } from './provider.int-helper';

/**
 * The built provider and watchdog as real processes on real NATS: deploy, invoke, scale,
 * crash recovery, restart without redeploy, zero-downtime update, delete, and the error codes.
 */
jest.setTimeout(120_000);

describe('provider (local backend)', () => {
  let bus: ProviderTestBus;
  let provider: ServiceProcess;
  let port: number;

  const get = (name: string) => bus.call(RPC.functionGet, { name, namespace: 'openfaas-fn' });
  const available = (name: string, n: number) =>
    waitFor(`${name} to have ${n} available replicas`, async () => (await get(name)).availableReplicas === n, 30_000, 100);

  beforeAll(async () => {
    bus = await ProviderTestBus.open();
    port = await freePort();
    provider = await startProvider(bus, port);
  });

  afterAll(async () => {
    await provider?.stop();
    await bus?.close();
  });

  it('deploys a function, reports its replicas, then serves calls', async () => {
    const started = performance.now();
    const status = await bus.call(RPC.functionDeploy, { service: 'echo', image: 'any', envProcess: 'cat' });
    expect(status).toMatchObject({
      name: 'echo',
      image: 'any',
      namespace: 'openfaas-fn',
      envProcess: 'cat',
      replicas: 1,
      labels: { faas_function: 'echo' },
      annotations: {},
    });
    expect(status.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    await available('echo', 1);
    process.stdout.write(`deploy → availableReplicas 1: ${Math.round(performance.now() - started)} ms\n`);

    await expect(bus.invoke('echo', 'hello')).resolves.toEqual({ status: 200, body: 'hello' });
    const list = await bus.call(RPC.functionList, {});
    expect(list.map((f: FunctionStatus) => f.name)).toContain('echo');
  });

  it('passes envVars to the function process', async () => {
    await bus.call(RPC.functionDeploy, { service: 'env', image: 'any', envProcess: 'env', envVars: { GREETING: 'ahoy' } });
    await available('env', 1);
    const res = await bus.invoke('env');
    expect(res.body).toContain('GREETING=ahoy');
    expect(res.body).not.toContain('SKIFF_SHUTDOWN_GRACE_MS');
  });

  it('answers 409 for a duplicate deploy', async () => {
    const err = await bus.failure(RPC.functionDeploy, { service: 'echo', image: 'any', envProcess: 'cat' });
    expect(err).toMatchObject({ code: ERROR_CODES.functionExists.code, status: 409 });
  });

  it('starts com.openfaas.scale.min replicas', async () => {
    const status = await bus.call(RPC.functionDeploy, {
      service: 'min2',
      image: 'any',
      envProcess: 'cat',
      labels: { 'com.openfaas.scale.min': '2' },
    });
    expect(status.replicas).toBe(2);
    await available('min2', 2);
  });

  it('answers 400 with the reason for a bad scaling label or payload', async () => {
    const err = await bus.failure(RPC.functionDeploy, { service: 'bad', image: 'any', labels: { 'com.openfaas.scale.min': 'two' } });
    expect(err).toMatchObject({ status: 400 });
    expect(err.message).toContain('com.openfaas.scale.min');
    const invalid = await bus.failure(RPC.functionDeploy, { service: 'Not_A_Name', image: 'any' });
    expect(invalid).toMatchObject({ status: 400 });
    expect(invalid.message).toContain('service');
  });

  it('answers 404 for get, scale, update and delete of a missing function', async () => {
    const missing = { status: 404, code: ERROR_CODES.functionNotFound.code };
    expect(await bus.failure(RPC.functionGet, { name: 'nope', namespace: 'openfaas-fn' })).toMatchObject(missing);
    expect(await bus.failure(RPC.functionScale, { name: 'nope', namespace: 'openfaas-fn', replicas: 2 })).toMatchObject(missing);
    expect(await bus.failure(RPC.functionUpdate, { service: 'nope', image: 'any' })).toMatchObject(missing);
    expect(await bus.failure(RPC.functionDelete, { functionName: 'nope' })).toMatchObject(missing);
  });

  it('lists namespaces and says who it is', async () => {
    expect(await bus.call(RPC.namespaceList, {})).toEqual(['openfaas-fn']);
    // A namespace that was never created is refused, with the reason (faasd: "namespace not valid").
    const refused = await bus.failure(RPC.functionDeploy, { service: 'other', image: 'any', envProcess: 'cat', namespace: 'team-a' });
    expect(refused).toMatchObject({ status: 400, message: expect.stringContaining('namespace not valid') });
    expect(await bus.call(RPC.namespaceList, {})).toEqual(['openfaas-fn']);
    await bus.call(RPC.namespaceCreate, { name: 'team-a', labels: { openfaas: '1' } });
    await bus.call(RPC.functionDeploy, { service: 'other', image: 'any', envProcess: 'cat', namespace: 'team-a' });
    expect(await bus.call(RPC.namespaceList, {})).toEqual(['openfaas-fn', 'team-a']);
    expect((await bus.call(RPC.functionList, { namespace: 'team-a' })).map((f: FunctionStatus) => f.name)).toEqual(['other']);
    expect((await bus.call(RPC.functionList, {})).map((f: FunctionStatus) => f.name)).not.toContain('other');
    await bus.call(RPC.functionDelete, { functionName: 'other', namespace: 'team-a' });
    await bus.call(RPC.namespaceDelete, { name: 'team-a' });
    expect(await bus.call(RPC.namespaceList, {})).toEqual(['openfaas-fn']);
    const info = await bus.call(RPC.providerInfo, {});
    expect(info).toMatchObject({
      provider: 'skiff',
      orchestration: 'local',
      version: { release: expect.any(String), sha: expect.any(String) },
    });
  });

  it('lets exactly one of several concurrent deploys of a name win, and serialises concurrent scales', async () => {
    const deploys = await Promise.allSettled(
      Array.from({ length: 5 }, () => bus.call(RPC.functionDeploy, { service: 'race', image: 'any', envProcess: 'cat' })),
    );
    expect(deploys.filter((d) => d.status === 'fulfilled')).toHaveLength(1);
    for (const d of deploys) if (d.status === 'rejected') expect(d.reason).toMatchObject({ status: 409 });

    const scales = await Promise.all(
      [1, 2, 3, 2, 1].map((replicas) => bus.call(RPC.functionScale, { name: 'race', namespace: 'openfaas-fn', replicas })),
    );
    expect(scales.map((s) => s.replicas)).toEqual([1, 2, 3, 2, 1]);
    await expect(bus.call(RPC.functionDelete, { functionName: 'race' })).resolves.toEqual({ name: 'race', namespace: 'openfaas-fn' });
  });

  it('scales up, and replaces a replica that was killed', async () => {
    const status = await bus.call(RPC.functionScale, { name: 'echo', namespace: 'openfaas-fn', replicas: 3 });
    expect(status.replicas).toBe(3);
    await available('echo', 3);
    const victim = bus.readyOf('echo').find((e) => alive(e.pid))!;
    const readyBefore = bus.readyOf('echo').length;
    process.kill(victim.pid, 'SIGKILL');
    await waitFor('the killed replica to exit', () => !alive(victim.pid), 10_000);
    await waitFor('a replacement replica to be ready', () => bus.readyOf('echo').length > readyBefore, 30_000);
    expect(bus.readyOf('echo').filter((e) => alive(e.pid))).toHaveLength(3);
    await available('echo', 3);
    await expect(bus.invoke('echo', 'still here')).resolves.toMatchObject({ body: 'still here' });
  });

  it('rolls out an update without failing a call', async () => {
    const before = bus.readyOf('echo').filter((e) => alive(e.pid));
    expect(before).toHaveLength(3);
    let stop = false;
    let calls = 0;
    const failures: string[] = [];
    const loop = async () => {
      while (!stop) {
        calls++;
        await bus.invoke('echo', `call ${calls}`).then(
          (res) => res.status === 200 || failures.push(`status ${res.status}: ${res.body}`),
          (err: Error) => failures.push(err.message),
        );
      }
    };
    const loops = [loop(), loop()];
    await bus.call(RPC.functionUpdate, { service: 'echo', image: 'any', envProcess: 'cat', envVars: { VERSION: '2' } });
    await waitFor('the old replicas to be gone', () => before.every((e) => !alive(e.pid)), 45_000);
    await available('echo', 3);
    stop = true;
    await Promise.all(loops);
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(0);
    const status = await get('echo');
    expect(status.replicas).toBe(3);
    expect(status.envVars).toEqual({ VERSION: '2' });
  });

  it('serves every function again after a provider restart, without a redeploy', async () => {
    const pids = bus
      .readyOf('echo')
      .filter((e) => alive(e.pid))
      .map((e) => e.pid);
    await provider.stop('SIGTERM');
    expect(pids.filter(alive)).toEqual([]);
    await bus.invoke('echo', 'x', 2_000).then(
      () => {
        throw new Error('a call succeeded while the provider (and its replicas) were down');
      },
      (err: unknown) => expect(statusOf(err)).toBe(503),
    );
    provider = await startProvider(bus, port);
    await available('echo', 3);
    await expect(bus.invoke('echo', 'back')).resolves.toEqual({ status: 200, body: 'back' });
    await available('min2', 2);
  });

  it('exposes replica metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toMatch(/skiff_provider_replica_starts_total\{[^}]*function_name="echo.openfaas-fn"[^}]*\} [1-9]/);
    expect(text).toMatch(/skiff_provider_replicas\{[^}]*function_name="echo.openfaas-fn"[^}]*state="ready"[^}]*\} 3/);
  });

  it('deletes a function: its processes stop and calls get no responders', async () => {
    const pids = bus
      .readyOf('echo')
      .filter((e) => alive(e.pid))
      .map((e) => e.pid);
    expect(pids.length).toBeGreaterThan(0);
    await expect(bus.call(RPC.functionDelete, { functionName: 'echo' })).resolves.toEqual({ name: 'echo', namespace: 'openfaas-fn' });
    await waitFor('the replicas to exit', () => pids.every((p) => !alive(p)), 30_000);
    await bus.invoke('echo', 'x', 2_000).then(
      () => {
        throw new Error('a deleted function answered');
      },
      (err: unknown) => expect(statusOf(err)).toBe(503),
    );
    expect(await bus.failure(RPC.functionGet, { name: 'echo', namespace: 'openfaas-fn' })).toMatchObject({ status: 404 });
  });
});
