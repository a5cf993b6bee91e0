import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { ClientProxy, ClientProxyFactory } from '@nestjs/microservices';
import { JSONCodec, NatsConnection, connect } from 'nats';
import { firstValueFrom, timeout } from 'rxjs';
import { ReplicaEvent, RPC, RpcMap, RpcName, SkiffError, WireError, subjects } from '@skiff/contracts';
import { InvokeClient } from '@skiff/invoke';
import { createNatsTransport, openFunctionsBucket } from '@skiff/nats';
import { ServiceProcess, TEST_NATS_CREDS_FILE, TEST_NATS_URL, serviceBusEnv, testNatsOptions, waitFor } from '@skiff/testing';

const json = JSONCodec<ReplicaEvent>();

/** A free TCP port on localhost. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** True while a process with that pid runs (a zombie, killed but not yet reaped by its parent, does not). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // Field 3 of /proc/<pid>/stat is the state; the command name before it may contain spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return !existsSync('/proc/self/stat');
  }
}

/** Everything a provider integration test talks through: a Nest RPC client, raw NATS, invoke client, replica events. */
export class ProviderTestBus {
  /** Every replica.ready event seen, in order. */
  readonly ready: ReplicaEvent[] = [];
  /** Every replica.gone event seen, in order. */
  readonly gone: ReplicaEvent[] = [];

  private constructor(
    readonly nc: NatsConnection,
    readonly rpc: ClientProxy,
    readonly invoker: InvokeClient,
  ) {
    nc.subscribe(subjects.replicaReadyAll, { callback: (_e, m) => this.ready.push(json.decode(m.data)) });
    nc.subscribe(subjects.replicaGoneAll, { callback: (_e, m) => this.gone.push(json.decode(m.data)) });
  }

  static async open(): Promise<ProviderTestBus> {
    const nc = await connect(testNatsOptions({ name: 'provider-test' }));
    const rpc = ClientProxyFactory.create(
      createNatsTransport({ service: 'provider-test', url: TEST_NATS_URL, credsFile: TEST_NATS_CREDS_FILE }),
    ) as ClientProxy;
    await rpc.connect();
    return new ProviderTestBus(nc, rpc, new InvokeClient(nc, subjects));
  }

  /** One RPC; a failure rejects with the WireError the provider sent. */
  call<N extends RpcName>(name: N, payload: unknown, timeoutMs = 10_000): Promise<RpcMap[N]['response']> {
    return firstValueFrom(this.rpc.send<RpcMap[N]['response']>(subjects.rpc(name), payload).pipe(timeout(timeoutMs)));
  }

  /** The WireError an RPC fails with (throws when it succeeds). */
  async failure(name: RpcName, payload: unknown): Promise<WireError> {
    try {
      await this.call(name, payload);
    } catch (err) {
      return err as WireError;
    }
    throw new Error(`${name} succeeded but was expected to fail`);
  }

  /** Calls the function once; rejects with a SkiffError (503 no replicas, 504 timeout). */
  async invoke(name: string, body = '', timeoutMs = 10_000): Promise<{ status: number; body: string }> {
    const res = await this.invoker.invoke(
      { name, namespace: 'openfaas-fn' },
      { method: 'POST', path: '/', query: '', headers: {}, body: new TextEncoder().encode(body) },
      { timeoutMs },
    );
    return { status: res.status, body: new TextDecoder().decode(res.body) };
  }

  /** Ready events of one function. */
  readyOf(name: string): ReplicaEvent[] {
    return this.ready.filter((e) => e.name === name);
  }

  async close(): Promise<void> {
    await this.rpc.close();
    const kv = await openFunctionsBucket(this.nc, subjects).catch(() => undefined);
    await kv?.destroy().catch(() => undefined);
    await this.nc.drain();
  }
}

/** Starts the built provider and waits until it answers RPCs. */
export async function startProvider(bus: ProviderTestBus, port: number, extraEnv: Record<string, string> = {}): Promise<ServiceProcess> {
  const env = {
    SKIFF_SUBJECT_PREFIX: process.env.SKIFF_SUBJECT_PREFIX!,
    SKIFF_NATS_URL: TEST_NATS_URL,
    SKIFF_PROVIDER_PORT: String(port),
    SKIFF_RESTART_BACKOFF_MIN_MS: '200',
    SKIFF_SHUTDOWN_GRACE_MS: '8000',
    SKIFF_LOG_LEVEL: 'info',
    ...extraEnv,
  };
  const proc = ServiceProcess.start('provider', { ...(await serviceBusEnv('provider', env)), ...env });
  await waitFor(
    'the provider to answer RPCs',
    async () => {
      if (!proc.running) throw new Error(`provider exited:\n${proc.log}`);
      return bus.call(RPC.providerInfo, {}, 1_000).then(
        () => true,
        () => false,
      );
    },
    30_000,
    200,
  );
  return proc;
}

/** Rebuilds a SkiffError-like view of a failed invoke. */
export function statusOf(err: unknown): number | undefined {
  return err instanceof SkiffError ? err.status : undefined;
}
