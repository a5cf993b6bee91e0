import { ErrorCode, NatsConnection, NatsError } from 'nats';
import { ERROR_CODES, SkiffError, SubjectRegistry, FunctionRefLike } from '@skiff/contracts';
import { decodeInvokeResponse, encodeInvokeRequest } from './invoke-codec';
import { InvokeRequest, InvokeResponse } from './invoke.types';
import { FunctionWaker } from './function-waker';

/** Pause before asking again when a wake said "ready" but the call still found no replica. */
const REWAKE_PAUSE_MS = 100;

/** Options of one invocation. */
export interface InvokeOptions {
  /** How long to wait for the reply before answering 504. */
  timeoutMs: number;
  /** How many more times to try when a replica answers 429 because it is at max_inflight. */
  overloadRetries?: number;
}

/**
 * Sends one call to one replica of a function over NATS (the queue group is the load balancer)
 * and returns its answer. Shared by the gateway (sync) and the queue-worker (async).
 */
export class InvokeClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: SubjectRegistry,
    /** Scale from zero on "no responders"; without it such calls fail at once with 503. */
    private readonly waker?: FunctionWaker,
  ) {}

  /**
   * Throws SkiffError `function/no-replicas` (503) or `function/timeout` (504). With a waker, a
   * function without replicas is woken first; the call fails with 503 only when no replica is
   * ready within `timeoutMs`.
   */
  async invoke(fn: FunctionRefLike, req: InvokeRequest, options: InvokeOptions): Promise<InvokeResponse> {
    const subject = this.subjects.invoke(fn.namespace, fn.name);
    const { headers, data } = encodeInvokeRequest(req, options.timeoutMs);
    let retries = options.overloadRetries ?? 2;
    let wakeDeadline = 0;
    for (;;) {
      let res: InvokeResponse;
      try {
        const msg = await this.nc.request(subject, data, { timeout: options.timeoutMs, headers });
        res = decodeInvokeResponse(msg);
      } catch (err) {
        if (this.waker && err instanceof NatsError && err.code === ErrorCode.NoResponders) {
          const first = wakeDeadline === 0;
          if (first) wakeDeadline = Date.now() + options.timeoutMs;
          else await new Promise((r) => setTimeout(r, REWAKE_PAUSE_MS));
          await this.waker.waitReady(fn, wakeDeadline);
          continue;
        }
        throw mapNatsError(err, fn, options.timeoutMs);
      }
      // A replica at its max_inflight limit answers 429 itself; another replica may have room.
      if (res.status === 429 && res.internal && retries-- > 0) continue;
      return res;
    }
  }
}

function mapNatsError(err: unknown, fn: FunctionRefLike, timeoutMs: number): SkiffError {
  const code = err instanceof NatsError ? err.code : undefined;
  if (code === ErrorCode.NoResponders) {
    return new SkiffError(ERROR_CODES.noReplicas, `No replicas available for: ${fn.name}.${fn.namespace}.`);
  }
  if (code === ErrorCode.Timeout) {
    return new SkiffError(ERROR_CODES.invokeTimeout, `Function ${fn.name}.${fn.namespace} did not answer within ${timeoutMs} ms.`);
  }
  return new SkiffError(ERROR_CODES.unavailable, `Can't reach service for: ${fn.name}.${fn.namespace}: ${(err as Error).message}`);
}
