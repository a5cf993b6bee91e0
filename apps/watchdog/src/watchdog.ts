import { Server } from 'node:http';
import { Readable } from 'node:stream';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ConnectionOptions, Msg, NatsConnection, NatsError, Subscription, connect } from 'nats';
import { credsAuthenticator } from '@skiff/nats/auth/native-signer';
import { INVOKE_HEADERS, chunkBytes } from '@skiff/contracts/invoke-protocol';
import { natsServers } from '@skiff/contracts/nats-url';
import type { ReplicaEvent } from '@skiff/contracts/messages/replica.event';
import { SubjectRegistry } from '@skiff/contracts/subjects';
import { decodeInvokeRequest, encodeInvokeResponse } from '@skiff/invoke/invoke-codec';
import type { InvokeResponse } from '@skiff/invoke/invoke.types';
import { pullBody } from '@skiff/invoke/body-stream';
import { ReplyStreamer } from './protocol/reply.streamer';
import { encodeReplicaEvent, readDescriptor } from './protocol/replica-event';
import type { NatsLogSink } from './sinks/nats-log.sink';
import { WatchdogConfig } from './config';
import { ReplicaState, startHealthServer } from './protocol/health.server';
import { Logger } from './logger';
import { FunctionRunner, RunnerResponse, textResponse } from './runners/runner.types';

/**
 * One replica of one function: joins the function's queue group on NATS, runs each call through
 * the mode's runner within its deadline and `max_inflight`, announces itself, and drains on stop.
 */
export class Watchdog {
  private nc?: NatsConnection;
  private sub?: Subscription;
  private cancelSub?: Subscription;
  /** Calls that can be cancelled, by their `Skiff-Call` token. */
  private readonly cancellable = new Map<string, AbortController>();
  private chunk = chunkBytes(undefined);
  private health?: Server;
  private inflight = 0;
  private accepting = false;
  private draining = false;
  private idle?: () => void;
  private stopped?: Promise<void>;
  private readonly limitText: string;
  private readonly claimPrefix: string;

  constructor(
    private readonly config: WatchdogConfig,
    private readonly subjects: SubjectRegistry,
    private readonly runner: FunctionRunner,
    private readonly log: Logger,
    /** Called when the replica can no longer work (NATS gone for good). */
    private readonly fatal: (reason: string) => void,
    /** Ships function output to the log stream once NATS is connected. */
    private readonly logSink?: NatsLogSink,
  ) {
    this.limitText = `Concurrent request limit exceeded. Max concurrent requests: ${config.maxInflight}\n`;
    this.claimPrefix = subjects.callClaimPrefix(config.namespace, config.functionName);
  }

  /** What the probes see. */
  state(): ReplicaState {
    const { maxInflight } = this.config;
    return { accepting: this.accepting, draining: this.draining, atLimit: maxInflight > 0 && this.inflight >= maxInflight };
  }

  /** Port of the health listener, once started. */
  get healthPort(): number | undefined {
    const address = this.health?.address();
    return address && typeof address === 'object' ? address.port : undefined;
  }

  /** Starts the runner and NATS together, subscribes, then publishes replica.ready. */
  async start(): Promise<void> {
    const { config } = this;
    const startup: NonNullable<ReplicaEvent['startup']> = { loadedMs: performance.now(), connectedMs: 0, runnerMs: 0, subscribedMs: 0 };
    if (config.adoptedMs !== undefined) startup.adoptedMs = config.adoptedMs;
    if (config.pooledMs !== undefined) startup.pooledMs = config.pooledMs;
    if (config.port !== undefined) this.health = await startHealthServer(config.port, config.readTimeoutMs, () => this.state());
    const [nc] = await Promise.all([
      connect(this.connectionOptions())
        .catch((err: Error) => {
          throw new Error(`cannot connect to NATS at ${config.natsUrl}: ${err.message}`);
        })
        .finally(() => (startup.connectedMs = performance.now())),
      this.runner.start().finally(() => (startup.runnerMs = performance.now())),
    ]);
    this.nc = nc;
    this.chunk = chunkBytes(nc.info?.max_payload);
    this.logSink?.attach(nc);
    void this.watchConnection(nc);
    this.cancelSub = nc.subscribe(this.subjects.invokeCancel(config.namespace, config.functionName), {
      callback: (err, msg) => {
        if (!err) this.cancellable.get(msg.string())?.abort();
      },
    });
    const subject = this.subjects.invoke(config.namespace, config.functionName);
    this.sub = nc.subscribe(subject, {
      queue: this.subjects.queues.invoke(config.namespace, config.functionName),
      callback: (err, msg) => (err ? this.log.warn('Subscription error', { err: err.message }) : this.onCall(msg)),
    });
    await nc.flush();
    startup.subscribedMs = performance.now();
    this.accepting = true;
    nc.publish(this.subjects.replicaReady(config.namespace, config.functionName, config.instance), this.replicaEvent(startup));
    await nc.flush();
    if (config.lockFile) writeFileSync(config.lockFile, '');
  }

  /** Its own inbox prefix and, on a secured bus, its own credentials (read once: a descriptor can be read only once). */
  private connectionOptions(): ConnectionOptions {
    const { config } = this;
    const options: ConnectionOptions = {
      ...natsServers(config.natsUrl),
      name: `watchdog ${config.namespace}/${config.instance}`,
      maxReconnectAttempts: -1,
      inboxPrefix: this.subjects.replicaInboxPrefix(config.namespace, config.functionName, config.instance),
    };
    const source = config.natsCreds;
    if (source) {
      const creds = 'fd' in source ? readDescriptor(source.fd) : 'data' in source ? source.data : readFileSync(source.file);
      options.authenticator = credsAuthenticator(new Uint8Array(creds));
    }
    return options;
  }

  /**
   * Announces replica.gone, stops taking calls, lets in-flight calls finish (up to write_timeout),
   * stops the runner and closes NATS. Safe to call more than once.
   */
  stop(reason: string): Promise<void> {
    this.stopped ??= this.shutdown(reason);
    return this.stopped;
  }

  private async shutdown(reason: string): Promise<void> {
    const { config, nc } = this;
    this.log.info('Shutting down', { reason, inflight: this.inflight });
    this.draining = true;
    this.accepting = false;
    if (config.lockFile) rmSync(config.lockFile, { force: true });
    if (nc && !nc.isClosed()) {
      try {
        nc.publish(this.subjects.replicaGone(config.namespace, config.functionName, config.instance), this.replicaEvent());
        await this.sub?.drain();
        this.cancelSub?.unsubscribe();
      } catch (err) {
        this.log.warn('Could not drain the subscription', { err: (err as Error).message });
      }
      await this.waitIdle(config.writeTimeoutMs);
    }
    await this.runner.stop().catch((err: Error) => this.log.warn('Could not stop the function', { err: err.message }));
    await this.logSink?.close();
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
    this.health?.close();
    this.health?.closeAllConnections();
    this.log.info('Stopped', { reason });
  }

  private onCall(msg: Msg): void {
    const started = performance.now();
    const { maxInflight, execTimeoutMs } = this.config;
    if (maxInflight > 0 && this.inflight >= maxInflight) {
      return this.reply(msg, textResponse(429, this.limitText, 'faas-middleware'), started);
    }
    const req = decodeInvokeRequest(msg);
    this.inflight++;
    this.claim(msg);
    const asked = req.timeoutMs ?? 0;
    const timeoutMs = execTimeoutMs && asked ? Math.min(execTimeoutMs, asked) : execTimeoutMs || asked;
    // One deadline from the moment the call arrived, for the work and for a streamed reply.
    const deadline = asked || timeoutMs ? Date.now() + (asked || timeoutMs) : 0;
    const token = msg.headers?.get(INVOKE_HEADERS.call);
    const abort = new AbortController();
    if (token) this.cancellable.set(token, abort);
    const done = () => {
      if (token) this.cancellable.delete(token);
      if (--this.inflight === 0 && this.idle) this.idle();
    };
    this.run(msg, req, timeoutMs, deadline, abort)
      .catch((err: Error) => {
        this.log.error('Call failed inside the watchdog', { err: err.stack ?? err.message });
        return textResponse(500, `Watchdog error: ${err.message}\n`, 'of-watchdog') as RunnerResponse;
      })
      .then((res) => {
        if (!res.stream) {
          this.reply(msg, res, started);
          return done();
        }
        if (msg.headers?.get(INVOKE_HEADERS.acceptStream) !== '1') return this.replyCollected(msg, res, started).finally(done);
        return new ReplyStreamer(
          this.nc as NatsConnection,
          this.chunk,
          this.log,
          this.subjects.replicaInboxPrefix(this.config.namespace, this.config.functionName, this.config.instance),
        )
          .send(msg, res, res.stream, started, deadline, () => abort.abort())
          .finally(done);
      });
  }

  /**
   * Tells a caller that asked (`Skiff-Claim`) which replica took its call, so it can fail the call at
   * once when this process ends. Only subjects under this function's claim prefix are published to:
   * a caller cannot make the replica publish anywhere else.
   */
  private claim(msg: Msg): void {
    const subject = msg.headers?.get(INVOKE_HEADERS.claim);
    if (!subject || !subject.startsWith(this.claimPrefix) || /[\s*>]/.test(subject)) return;
    try {
      this.nc?.publish(subject, this.config.instance);
    } catch (err) {
      this.log.warn('Could not send the call claim', { err: (err as Error).message });
    }
  }

  /** Pulls a large request body when the caller left it out of the message, then runs the call. */
  private async run(
    msg: Msg,
    req: ReturnType<typeof decodeInvokeRequest>,
    timeoutMs: number,
    deadline: number,
    abort: AbortController,
  ): Promise<RunnerResponse> {
    const pull = msg.headers?.get(INVOKE_HEADERS.bodyPull);
    if (pull) {
      const size = Number(msg.headers?.get(INVOKE_HEADERS.bodySize));
      if (Number.isFinite(size) && size > this.config.maxBodyBytes) {
        return textResponse(413, `request body is larger than the replica's limit of ${this.config.maxBodyBytes} bytes\n`, 'of-watchdog');
      }
      try {
        req.body = await pullBody(this.nc as NatsConnection, pull, this.config.maxBodyBytes, deadline || Date.now() + 60_000);
      } catch (err) {
        return textResponse(400, `could not read the request body: ${(err as Error).message}\n`, 'of-watchdog');
      }
    }
    // Reading a large body used part of the time.
    const left = deadline ? Math.max(1, deadline - Date.now()) : 0;
    return this.runner.invoke(req, left ? Math.min(timeoutMs || left, left) : timeoutMs, abort.signal);
  }

  /** A caller that cannot read a streamed reply gets the whole body in one message. */
  private async replyCollected(msg: Msg, res: RunnerResponse, started: number): Promise<void> {
    const parts: Buffer[] = [];
    for await (const part of res.stream as Readable) parts.push(Buffer.from(part as Uint8Array));
    this.reply(msg, { status: res.status, headers: res.headers, internal: res.internal, body: Buffer.concat(parts) }, started);
  }

  private reply(msg: Msg, res: InvokeResponse, started: number): void {
    if (res.body.length > this.chunk && msg.headers?.get(INVOKE_HEADERS.acceptStream) === '1') {
      // Too large for one message: the same streamed reply as produced output, from memory.
      void new ReplyStreamer(
        this.nc as NatsConnection,
        this.chunk,
        this.log,
        this.subjects.replicaInboxPrefix(this.config.namespace, this.config.functionName, this.config.instance),
      ).send(msg, { ...res, body: new Uint8Array(0) }, Readable.from([res.body]), started, 0, () => undefined);
      return;
    }
    res.headers['X-Duration-Seconds'] = ((performance.now() - started) / 1000).toFixed(6);
    const { headers, data } = encodeInvokeResponse(res);
    try {
      msg.respond(data, { headers });
    } catch (err) {
      // Typically a body above the server's max_payload: answer with the reason instead.
      const reason = err instanceof NatsError ? `${err.code}: ${err.message}` : String(err);
      this.log.error('Could not send the reply', { bytes: data.length, err: reason });
      const fallback = encodeInvokeResponse(
        textResponse(500, `The function's answer (${data.length} bytes) could not be sent: ${reason}\n`, 'of-watchdog'),
      );
      try {
        msg.respond(fallback.data, { headers: fallback.headers });
      } catch {
        // The connection is gone; the caller times out.
      }
    }
  }

  private waitIdle(timeoutMs: number): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.log.warn(`${this.inflight} call(s) still running after write_timeout; stopping anyway`);
        resolve();
      }, timeoutMs);
      this.idle = () => (clearTimeout(timer), resolve());
    });
  }

  private async watchConnection(nc: NatsConnection): Promise<void> {
    void nc.closed().then((err) => {
      if (!this.draining) this.fatal(`NATS connection closed${err ? `: ${err.message}` : ''}`);
    });
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect')
        this.log.warn(`NATS ${status.type}`, { server: String(status.data) });
    }
  }

  private replicaEvent(startup?: ReplicaEvent['startup']): Uint8Array {
    return encodeReplicaEvent(this.config, startup);
  }
}
