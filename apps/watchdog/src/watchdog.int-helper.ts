import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { NatsConnection, connect } from 'nats';
import type { ReplicaEvent } from '@skiff/contracts/messages/replica.event';
import { subjects } from '@skiff/contracts/subjects';
import { InvokeClient } from '@skiff/invoke/invoke-client';
import type { InvokeRequest, InvokeResponse } from '@skiff/invoke/invoke.types';
import { REPO_ROOT, ServiceProcess, TEST_NATS_URL, replicaBusEnv, testNatsOptions } from '@skiff/testing';

/** Absolute path of a file in test/fixtures. */
export const fixture = (name: string): string => join(REPO_ROOT, 'test', 'fixtures', name);

/** A watchdog process the test started, with the replica.ready event it announced. */
export interface StartedWatchdog {
  /** The process. */
  proc: ServiceProcess;
  /** Its replica.ready event. */
  ready: ReplicaEvent;
  /** Its replica id. */
  instance: string;
  /** Milliseconds from spawn to the replica.ready event arriving here. */
  spawnToReadyMs: number;
}

/** NATS connection and invoke client shared by one test file; `close` also stops every watchdog it started. */
export class WatchdogTestBus {
  private readonly spawned: ServiceProcess[] = [];

  private constructor(
    readonly nc: NatsConnection,
    readonly client: InvokeClient,
  ) {}

  static async open(): Promise<WatchdogTestBus> {
    const nc = await connect(testNatsOptions({ name: 'watchdog-test' }));
    return new WatchdogTestBus(nc, new InvokeClient(nc, subjects));
  }

  /** Starts a watchdog process for function `name` (its bus credentials, the test's prefix) without waiting for it. */
  async spawn(name: string, env: Record<string, string>): Promise<{ proc: ServiceProcess; instance: string }> {
    const instance = env.SKIFF_INSTANCE ?? `${name}-${randomBytes(3).toString('hex')}`;
    const namespace = env.SKIFF_FUNCTION_NAMESPACE ?? 'openfaas-fn';
    const proc = ServiceProcess.start(
      'watchdog',
      {
        SKIFF_SUBJECT_PREFIX: process.env.SKIFF_SUBJECT_PREFIX!,
        SKIFF_NATS_URL: TEST_NATS_URL,
        SKIFF_WATCHDOG_PORT: '0',
        SKIFF_LOG_LEVEL: 'info',
        SKIFF_FUNCTION_NAME: name,
        SKIFF_INSTANCE: instance,
        ...(await replicaBusEnv(namespace, name, instance)),
        ...env,
      },
      instance,
    );
    this.spawned.push(proc);
    return { proc, instance };
  }

  /** Starts a watchdog for function `name` and waits for its replica.ready event. */
  async start(name: string, env: Record<string, string>): Promise<StartedWatchdog> {
    const namespace = env.SKIFF_FUNCTION_NAMESPACE ?? 'openfaas-fn';
    const sub = this.nc.subscribe(subjects.replicaReadyOf(namespace, name));
    await this.nc.flush();
    const started = performance.now();
    const { proc, instance } = await this.spawn(name, env);
    const timer = setTimeout(() => sub.unsubscribe(), 20_000);
    const exited = new Promise<never>((_, reject) =>
      proc.child.once('exit', (code) => reject(new Error(`watchdog ${instance} exited (${code}) before it was ready:\n${proc.log}`))),
    );
    const ready = (async () => {
      for await (const msg of sub) {
        const event = JSON.parse(Buffer.from(msg.data).toString()) as ReplicaEvent;
        if (event.instance === instance) return event;
      }
      throw new Error(`watchdog ${instance} was not ready within 20 s:\n${proc.log}`);
    })();
    try {
      const event = await Promise.race([ready, exited]);
      return { proc, ready: event, instance, spawnToReadyMs: performance.now() - started };
    } finally {
      clearTimeout(timer);
      sub.unsubscribe();
      exited.catch(() => undefined);
    }
  }

  /** One call to function `name` (namespace openfaas-fn unless given). */
  invoke(
    name: string,
    req: Omit<Partial<InvokeRequest>, 'body'> & { body?: Uint8Array | string },
    timeoutMs = 15_000,
    namespace = 'openfaas-fn',
  ): Promise<InvokeResponse> {
    const body = typeof req.body === 'string' ? Buffer.from(req.body) : (req.body ?? new Uint8Array(0));
    return this.client.invoke(
      { name, namespace },
      { method: req.method ?? 'POST', path: req.path ?? '/', query: req.query ?? '', headers: req.headers ?? {}, body },
      { timeoutMs, overloadRetries: 0 },
    );
  }

  /** Stops every watchdog this bus started (even those that never became ready), then closes NATS. */
  async close(): Promise<void> {
    await Promise.all(this.spawned.map((proc) => proc.stop()));
    await this.nc.drain();
  }
}

/** A reply's body as text. */
export const text = (res: InvokeResponse): string => Buffer.from(res.body).toString('utf8');

/** A reply's header, looked up without regard to case. */
export function header(res: InvokeResponse, name: string): string | undefined {
  const key = Object.keys(res.headers).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : res.headers[key];
  return Array.isArray(value) ? value[0] : value;
}
