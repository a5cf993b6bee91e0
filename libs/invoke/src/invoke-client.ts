import { ErrorCode, NatsConnection, NatsError } from 'nats';
import { ERROR_CODES, SkiffError, SubjectRegistry, FunctionRefLike } from '@skiff/contracts';
import { decodeInvokeResponse, encodeInvokeRequest } from './invoke-codec';
import { InvokeRequest, InvokeResponse } from './invoke.types';

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
  ) {}

  /** Throws SkiffError `function/no-replicas` (503) or `function/timeout` (504). */
  async invoke(fn: FunctionRefLike, req: InvokeRequest, options: InvokeOptions): Promise<InvokeResponse> {
    const subject = this.subjects.invoke(fn.namespace, fn.name);
    const { headers, data } = encodeInvokeRequest(req, options.timeoutMs);
    let retries = options.overloadRetries ?? 2;
    for (;;) {
      let res: InvokeResponse;
      try {
        const msg = await this.nc.request(subject, data, { timeout: options.timeoutMs, headers });
        res = decodeInvokeResponse(msg);
      } catch (err) {
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
