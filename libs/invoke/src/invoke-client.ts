import { ErrorCode, NatsConnection, NatsError, nuid } from 'nats';
import { INVOKE_HEADERS, chunkBytes } from '@skiff/contracts/invoke-protocol';
import { ERROR_CODES, SkiffError, SubjectRegistry, FunctionRefLike } from '@skiff/contracts';
import { decodeInvokeResponse, encodeInvokeRequest } from './invoke-codec';
import { InvokeRequest, InvokeResponse, InvokeStreamResponse } from './invoke.types';
import { BodyStreamError, collectBody, pullChunks, serveBody, serveStream } from './body-stream';
import { FunctionWaker } from './function-waker';

/** Pause before asking again when a wake said "ready" but the call still found no replica. */
const REWAKE_PAUSE_MS = 100;

/** Options of one invocation. */
export interface InvokeOptions {
  /** How long to wait for the reply before answering 504. */
  timeoutMs: number;
  /** How many more times to try when a replica answers 429 because it is at max_inflight. */
  overloadRetries?: number;
  /** Aborting it cancels the call in the replica (the client went away). */
  signal?: AbortSignal;
  /** invoke(): largest reply body collected from a streamed reply (default 32 MiB). */
  maxResponseBytes?: number;
  /** Subject the replica that takes the call announces its instance on (`Skiff-Claim`). */
  claim?: string;
}

/** Default of InvokeOptions.maxResponseBytes. */
const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const EMPTY = new Uint8Array(0);

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
    const res = await this.invokeStream(fn, req, options);
    if (!res.more) return res;
    try {
      return {
        status: res.status,
        headers: res.headers,
        internal: res.internal,
        body: await collectBody(res.body, res.more, options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES),
      };
    } catch (err) {
      const timedOut = err instanceof BodyStreamError && err.timedOut;
      if (timedOut)
        throw new SkiffError(
          ERROR_CODES.invokeTimeout,
          `Function ${fn.name}.${fn.namespace} did not finish its answer within ${options.timeoutMs} ms.`,
        );
      throw new SkiffError(ERROR_CODES.unavailable, `The answer of ${fn.name}.${fn.namespace} broke off: ${(err as Error).message}`);
    }
  }

  /**
   * Like invoke(), but a reply the replica streams (large, or produced over time such as SSE) comes
   * back as soon as its status and headers are known: `body` holds the first bytes and `more` the
   * rest, pulled chunk by chunk as it is read. A request body larger than one NATS message, or one
   * still arriving (`bodyStream`), is pulled by the replica from `subjects.bodyPull(ns, fn, token)`.
   * Every hop shares one deadline, `timeoutMs` from now.
   */
  async invokeStream(fn: FunctionRefLike, req: InvokeRequest, options: InvokeOptions): Promise<InvokeStreamResponse> {
    const deadline = Date.now() + options.timeoutMs;
    const subject = this.subjects.invoke(fn.namespace, fn.name);
    const encoded = encodeInvokeRequest(req, options.timeoutMs);
    const headers = encoded.headers;
    let data = encoded.data;
    headers.set(INVOKE_HEADERS.acceptStream, '1');
    if (options.claim) headers.set(INVOKE_HEADERS.claim, options.claim);
    const chunk = chunkBytes(this.nc.info?.max_payload);
    // A body larger than one message (or still arriving) stays here; the replica pulls it.
    const pullSubject = () => this.subjects.bodyPull(fn.namespace, fn.name, nuid.next());
    let upload: { subject: string; close(): void } | undefined;
    let size: number | undefined = data.length;
    if (req.bodyStream) {
      upload = serveStream(this.nc, req.bodyStream, chunk, pullSubject());
      size = req.bodyStream.size;
    } else if (data.length > chunk) upload = serveBody(this.nc, data, chunk, pullSubject());
    if (upload) {
      headers.set(INVOKE_HEADERS.bodyPull, upload.subject);
      if (size !== undefined) headers.set(INVOKE_HEADERS.bodySize, String(size));
      data = EMPTY;
    }
    let onAbort: (() => void) | undefined;
    if (options.signal) {
      const token = nuid.next();
      headers.set(INVOKE_HEADERS.call, token);
      onAbort = () => {
        try {
          this.nc.publish(this.subjects.invokeCancel(fn.namespace, fn.name), token);
        } catch {
          // A closed connection cancels nothing; the replica's own deadline still applies.
        }
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
    }
    try {
      const res = await this.send(fn, subject, data, headers, deadline, options);
      if (onAbort && !res.more) options.signal?.removeEventListener('abort', onAbort);
      return res;
    } catch (err) {
      if (onAbort) options.signal?.removeEventListener('abort', onAbort);
      throw err;
    } finally {
      upload?.close();
    }
  }

  private async send(
    fn: FunctionRefLike,
    subject: string,
    data: Uint8Array,
    headers: ReturnType<typeof encodeInvokeRequest>['headers'],
    deadline: number,
    options: InvokeOptions,
  ): Promise<InvokeStreamResponse> {
    let retries = options.overloadRetries ?? 2;
    let wakeDeadline = 0;
    for (;;) {
      let res: InvokeStreamResponse;
      try {
        const left = Math.max(1, deadline - Date.now());
        // The replica gets what is left of the one deadline (a wake from zero may have used some).
        headers.set(INVOKE_HEADERS.timeoutMs, String(left));
        const msg = await this.nc.request(subject, data, { timeout: left, headers });
        res = decodeInvokeResponse(msg);
        const stream = msg.headers?.get(INVOKE_HEADERS.stream);
        if (stream) res.more = pullChunks(this.nc, stream, deadline);
      } catch (err) {
        if (this.waker && err instanceof NatsError && err.code === ErrorCode.NoResponders) {
          const first = wakeDeadline === 0;
          if (first) wakeDeadline = deadline;
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
