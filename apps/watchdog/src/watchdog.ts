import { Server } from 'node:http';
import { hostname } from 'node:os';
import { Msg, NatsConnection, NatsError, Subscription, connect } from 'nats';
import type { ReplicaEvent } from '@skiff/contracts/messages/replica.event';
import { SubjectRegistry } from '@skiff/contracts/subjects';
import { decodeInvokeRequest, encodeInvokeResponse } from '@skiff/invoke/invoke-codec';
import type { InvokeResponse } from '@skiff/invoke/invoke.types';
import { WatchdogConfig } from './config';
import { ReplicaState, startHealthServer } from './health.server';
import { Logger } from './logger';
import { FunctionRunner, textResponse } from './runner.types';

/**
 * One replica of one function: joins the function's queue group on NATS, runs each call through
 * the mode's runner within its deadline and `max_inflight`, announces itself, and drains on stop.
 */
export class Watchdog {
  private nc?: NatsConnection;
  private sub?: Subscription;
  private health?: Server;
  private inflight = 0;
  private accepting = false;
  private draining = false;
  private idle?: () => void;
  private stopped?: Promise<void>;
  private readonly limitText: string;

  constructor(
    private readonly config: WatchdogConfig,
    private readonly subjects: SubjectRegistry,
    private readonly runner: FunctionRunner,
    private readonly log: Logger,
    /** Called when the replica can no longer work (NATS gone for good). */
    private readonly fatal: (reason: string) => void,
  ) {
    this.limitText = `Concurrent request limit exceeded. Max concurrent requests: ${config.maxInflight}\n`;
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
    const startup = { loadedMs: performance.now(), connectedMs: 0, runnerMs: 0, subscribedMs: 0 };
    if (config.port !== undefined) this.health = await startHealthServer(config.port, config.readTimeoutMs, () => this.state());
    const [nc] = await Promise.all([
      connect({ servers: config.natsUrl.split(','), name: `watchdog ${config.namespace}/${config.instance}`, maxReconnectAttempts: -1 }).catch((err: Error) => {
        throw new Error(`cannot connect to NATS at ${config.natsUrl}: ${err.message}`);
      }).finally(() => (startup.connectedMs = performance.now())),
      this.runner.start().finally(() => (startup.runnerMs = performance.now())),
    ]);
    this.nc = nc;
    void this.watchConnection(nc);
    const subject = this.subjects.invoke(config.namespace, config.functionName);
    this.sub = nc.subscribe(subject, {
      queue: this.subjects.queues.invoke(config.namespace, config.functionName),
      callback: (err, msg) => (err ? this.log.warn('Subscription error', { err: err.message }) : this.onCall(msg)),
    });
    await nc.flush();
    startup.subscribedMs = performance.now();
    this.accepting = true;
    nc.publish(this.subjects.replicaReady(config.namespace, config.functionName), this.replicaEvent(startup));
    await nc.flush();
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
    if (nc && !nc.isClosed()) {
      try {
        nc.publish(this.subjects.replicaGone(config.namespace, config.functionName), this.replicaEvent());
        await this.sub?.drain();
      } catch (err) {
        this.log.warn('Could not drain the subscription', { err: (err as Error).message });
      }
      await this.waitIdle(config.writeTimeoutMs);
    }
    await this.runner.stop().catch((err: Error) => this.log.warn('Could not stop the function', { err: err.message }));
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
    const asked = req.timeoutMs ?? 0;
    const timeoutMs = execTimeoutMs && asked ? Math.min(execTimeoutMs, asked) : execTimeoutMs || asked;
    this.runner
      .invoke(req, timeoutMs)
      .catch((err: Error) => {
        this.log.error('Call failed inside the watchdog', { err: err.stack ?? err.message });
        return textResponse(500, `Watchdog error: ${err.message}\n`, 'of-watchdog');
      })
      .then((res) => {
        this.reply(msg, res, started);
        if (--this.inflight === 0 && this.idle) this.idle();
      });
  }

  private reply(msg: Msg, res: InvokeResponse, started: number): void {
    res.headers['X-Duration-Seconds'] = ((performance.now() - started) / 1000).toFixed(6);
    const { headers, data } = encodeInvokeResponse(res);
    try {
      msg.respond(data, { headers });
    } catch (err) {
      // Typically a body above the server's max_payload: answer with the reason instead.
      const reason = err instanceof NatsError ? `${err.code}: ${err.message}` : String(err);
      this.log.error('Could not send the reply', { bytes: data.length, err: reason });
      const fallback = encodeInvokeResponse(textResponse(500, `The function's answer (${data.length} bytes) could not be sent: ${reason}\n`, 'of-watchdog'));
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
      if (status.type === 'disconnect' || status.type === 'reconnect') this.log.warn(`NATS ${status.type}`, { server: String(status.data) });
    }
  }

  private replicaEvent(startup?: ReplicaEvent['startup']): Uint8Array {
    const event: ReplicaEvent = {
      name: this.config.functionName,
      namespace: this.config.namespace,
      instance: this.config.instance,
      pid: process.pid,
      host: hostname(),
      uptimeMs: Math.round(performance.now()),
    };
    if (startup) event.startup = startup;
    return Buffer.from(JSON.stringify(event));
  }
}
