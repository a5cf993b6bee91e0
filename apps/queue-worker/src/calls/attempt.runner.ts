import { Inject, Injectable } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { ERROR_CODES, FunctionRecord, functionTimeoutMs, OPENFAAS_INTERNAL_HEADER, SkiffError } from '@skiff/contracts';
import { NATS_CONNECTION } from '@skiff/nats';
import { decodeInvokeRequest, InvokeClient } from '@skiff/invoke';
import { QUEUE_WORKER_CONFIG, QueueWorkerConfig } from '../config/queue-worker.config';
import { INVOKE_CLIENT } from '../queue-worker.tokens';
import { ReplicaExits } from '../replica-exits';
import { Attempt, CallContext } from './call-context';

/**
 * Runs one attempt of an async call (the caller keeps the lease alive). An attempt fails at once,
 * to be retried, rather than at its timeout, when the replica that took it exits or the NATS
 * connection drops (its request or reply may be lost).
 */
@Injectable()
export class AttemptRunner {
  /** Attempts waiting for a reply; told when the NATS connection drops. */
  private readonly waiting = new Set<(reason: string) => void>();

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(QUEUE_WORKER_CONFIG) private readonly config: QueueWorkerConfig,
    @Inject(INVOKE_CLIENT) private readonly invoker: InvokeClient,
    private readonly exits: ReplicaExits,
  ) {
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === 'disconnect')
          for (const lost of [...this.waiting]) lost(`the NATS connection dropped during the call (${String(status.data)})`);
      }
    })().catch(() => undefined);
  }

  /** One invocation of the call with `body`; never throws (a platform failure is an outcome). */
  async run(ctx: CallContext, body: Uint8Array, record: FunctionRecord): Promise<Attempt> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const req = { ...decodeInvokeRequest(ctx.msg), body };
      let lost!: (reason: string) => void;
      const dropped = new Promise<never>((_, reject) => (lost = (reason) => reject(new SkiffError(ERROR_CODES.unavailable, reason))));
      this.waiting.add(lost);
      // The replica that takes the call claims it: if its process ends, the attempt fails now (retried), not at the timeout.
      const watch = this.exits.watch(ctx.fn, lost);
      // A request or reply in flight when the server went away may never arrive: retry instead of waiting out the timeout.
      const response = await Promise.race([
        this.invoker.invoke(ctx.fn, req, { timeoutMs: functionTimeoutMs(record.spec, this.config.invokeTimeoutMs), claim: watch.claim }),
        dropped,
      ]).finally(() => {
        this.waiting.delete(lost);
        watch.done();
      });
      const platform = Boolean(response.internal) || hasHeader(response.headers, OPENFAAS_INTERNAL_HEADER);
      return { status: response.status, platform, headers: response.headers, response, durationSeconds: seconds() };
    } catch (err) {
      const status = err instanceof SkiffError ? err.status : 503;
      return { status, platform: true, error: (err as Error).message, durationSeconds: seconds() };
    }
  }
}

function hasHeader(headers: Record<string, unknown>, name: string): boolean {
  const lower = name.toLowerCase();
  return Object.keys(headers).some((k) => k.toLowerCase() === lower);
}
