import 'reflect-metadata';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo, createServer as createNetServer } from 'node:net';
import { connect, NatsConnection, Subscription } from 'nats';
import { FunctionRecord, INVOKE_HEADERS, subjects } from '@skiff/contracts';
import { encodeFunctionRecord, openFunctionsBucket } from '@skiff/nats';
import { decodeInvokeRequest, encodeInvokeResponse, InvokeRequest, InvokeResponse, pullBody } from '@skiff/invoke';
import {
  ServiceProcess,
  TEST_NATS_URL,
  basicAuthHeader,
  deletePrefixStreams,
  serviceBusEnv,
  serviceHealth,
  testNatsOptions,
  waitFor,
} from '@skiff/testing';

/** The tests' callback receivers listen on 127.0.0.1, which the platform refuses by default (audit #7). */
export const LOCAL_CALLBACKS = { SKIFF_CALLBACK_ALLOW: '127.0.0.1/32' };

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** One callback as the receiver saw it. */
export interface ReceivedCallback {
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP server recording callbacks; `status` decides what it answers. */
export class CallbackReceiver {
  readonly received: ReceivedCallback[] = [];
  status: (n: number) => number = () => 200;
  /** Extra response headers (e.g. a redirect's `location`). */
  headers: (n: number) => Record<string, string> = () => ({});
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
        res.statusCode = this.status(this.received.length);
        for (const [name, value] of Object.entries(this.headers(this.received.length))) res.setHeader(name, value);
        res.end();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/cb`;
    return this;
  }

  /** Callbacks of one call. */
  of(callId: string): ReceivedCallback[] {
    return this.received.filter((c) => c.headers['x-call-id'] === callId);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

/** A function replica served from the test process over real NATS (what a watchdog does). */
export type ReplicaHandler = (req: InvokeRequest) => Promise<Partial<InvokeResponse>> | Partial<InvokeResponse>;

/** Test platform: NATS connection, registry writes, replicas, gateway and queue-worker processes. */
export class AsyncHarness {
  nc!: NatsConnection;
  readonly processes: ServiceProcess[] = [];
  private readonly subs: Subscription[] = [];
  gatewayUrl = '';
  /** Base URLs (health, metrics) of the queue-workers started, in order. */
  readonly workerUrls: string[] = [];

  constructor(readonly natsUrl = TEST_NATS_URL) {}

  async connect(): Promise<this> {
    this.nc = await connect(testNatsOptions({ maxReconnectAttempts: -1, reconnectTimeWait: 250 }, this.natsUrl));
    return this;
  }

  /** Writes a function into the registry as the provider would. */
  async deploy(
    name: string,
    annotations: Record<string, string> = {},
    envVars: Record<string, string> = {},
    namespace = 'openfaas-fn',
  ): Promise<void> {
    const kv = await openFunctionsBucket(this.nc, subjects);
    const now = new Date().toISOString();
    const record: FunctionRecord = {
      spec: { service: name, image: 'test', namespace, annotations, envVars },
      replicas: 1,
      createdAt: now,
      updatedAt: now,
    };
    await kv.put(subjects.functionKey(namespace, name), encodeFunctionRecord(record));
  }

  /** Removes a function from the registry. */
  async remove(name: string, namespace = 'openfaas-fn'): Promise<void> {
    const kv = await openFunctionsBucket(this.nc, subjects);
    await kv.delete(subjects.functionKey(namespace, name));
  }

  /** Serves calls of a function from this process. */
  replica(name: string, handler: ReplicaHandler, namespace = 'openfaas-fn'): Subscription {
    const sub = this.nc.subscribe(subjects.invoke(namespace, name), {
      queue: subjects.queues.invoke(namespace, name),
      callback: (_err, msg) => {
        void (async () => {
          const req = decodeInvokeRequest(msg);
          // A body larger than one message is pulled in chunks, as a watchdog does.
          const pull = msg.headers?.get(INVOKE_HEADERS.bodyPull);
          if (pull) req.body = await pullBody(this.nc, pull, 64 * 1024 * 1024, Date.now() + 30_000);
          const res = await handler(req);
          const { headers, data } = encodeInvokeResponse({
            status: res.status ?? 200,
            headers: res.headers ?? {},
            body: res.body ?? new Uint8Array(0),
            internal: res.internal,
          });
          msg.respond(data, { headers });
        })();
      },
    });
    this.subs.push(sub);
    return sub;
  }

  /** Starts the gateway and waits for its health check (callbacks to 127.0.0.1 allowed unless `env` says otherwise). */
  async startGateway(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const port = await freePort();
    const base = {
      SKIFF_SUBJECT_PREFIX: subjects.prefix,
      SKIFF_NATS_URL: this.natsUrl,
      SKIFF_GATEWAY_PORT: String(port),
      ...LOCAL_CALLBACKS,
      ...env,
    };
    const p = ServiceProcess.start('gateway', { ...(await serviceBusEnv('gateway', base)), ...base });
    this.processes.push(p);
    this.gatewayUrl = `http://127.0.0.1:${port}`;
    await waitHealthy(p, this.gatewayUrl);
    return p;
  }

  /** Starts a queue-worker and waits for its health check (callbacks to 127.0.0.1 allowed unless `env` says otherwise). */
  async startWorker(env: Record<string, string> = {}, name = 'queue-worker'): Promise<ServiceProcess> {
    const port = await freePort();
    const base = {
      SKIFF_SUBJECT_PREFIX: subjects.prefix,
      SKIFF_NATS_URL: this.natsUrl,
      SKIFF_QUEUE_WORKER_PORT: String(port),
      ...LOCAL_CALLBACKS,
      ...env,
    };
    const p = ServiceProcess.start('queue-worker', { ...(await serviceBusEnv('queue-worker', base)), ...base }, name);
    this.processes.push(p);
    this.workerUrls.push(`http://127.0.0.1:${port}`);
    await waitHealthy(p, `http://127.0.0.1:${port}`);
    return p;
  }

  /** Submits an async call. */
  async submit(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.gatewayUrl}${path}`, { method: 'POST', ...init });
  }

  /** A call's status document (undefined on 404). */
  async status(callId: string): Promise<Record<string, unknown> | undefined> {
    const res = await fetch(`${this.gatewayUrl}/async-function/status/${callId}`, { headers: basicAuthHeader() });
    if (res.status === 404) return undefined;
    return (await res.json()) as Record<string, unknown>;
  }

  /** The status of one function's call (`?function=`: ids are scoped per function). */
  async statusOf(callId: string, fn: string): Promise<Record<string, unknown> | undefined> {
    const res = await fetch(`${this.gatewayUrl}/async-function/status/${callId}?function=${encodeURIComponent(fn)}`, {
      headers: basicAuthHeader(),
    });
    if (res.status === 404) return undefined;
    return (await res.json()) as Record<string, unknown>;
  }

  /** Waits for one function's call to reach `state`. */
  async waitStateOf(callId: string, fn: string, state: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return waitFor(
      `call ${callId} of ${fn} to be ${state}`,
      async () => {
        const s = await this.statusOf(callId, fn);
        return s?.state === state ? s : undefined;
      },
      timeoutMs,
      100,
    );
  }

  /** Waits for a call to reach `state`. */
  async waitState(callId: string, state: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return waitFor(
      `call ${callId} to be ${state}`,
      async () => {
        const s = await this.status(callId);
        return s?.state === state ? s : undefined;
      },
      timeoutMs,
      100,
    );
  }

  /** Stops everything and deletes what the test created. */
  async close(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    await Promise.all(this.processes.map((p) => p.stop('SIGTERM', 10_000)));
    if (!this.nc || this.nc.isClosed()) return;
    // Every stream, bucket and object store of the test's prefix (the services create more than the async ones).
    await deletePrefixStreams(this.nc);
    await this.nc.close();
  }
}

async function waitHealthy(p: ServiceProcess, url: string): Promise<void> {
  await waitFor(
    `${p.name} to be healthy`,
    async () => {
      if (!p.running) throw new Error(`${p.name} exited:\n${p.log}`);
      return (await serviceHealth(url)) === 'serving';
    },
    30_000,
    100,
  );
}

/** Text of a body. */
export function text(body: Uint8Array): string {
  return Buffer.from(body).toString();
}
