import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, NatsConnection, NatsError } from 'nats';
import { OPENFAAS_INTERNAL_HEADER, SkiffError, parseFunctionRef, subjects } from '@skiff/contracts';
import { FunctionWaker, InvokeClient, InvokeStreamResponse, StreamedBody } from '@skiff/invoke';
import { NATS_CONNECTION } from '@skiff/nats';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { BodyLimit } from '../config/body-limit';
import { FunctionResolver } from '../registry/function-resolver.service';
import { invalidRefNotFound, splitFunctionUrl } from './function-url';
import { downstreamHeaders, upstreamHeaders } from './invoke-headers';
import { GatewayMetrics } from '../scaling/gateway.metrics';
import { GATEWAY_WAKER } from '../scaling/scaling.module';
import { declaredLength, isStreamedBody } from '@skiff/http';

const EMPTY = new Uint8Array(0);
const TEXT = 'text/plain; charset=utf-8';
const INTERNAL = OPENFAAS_INTERNAL_HEADER.toLowerCase();

/** Statuses that never carry a body (no Content-Length either). */
function bodyless(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

/** Writes one chunk, waiting while the client is slow. */
async function writeChunk(raw: ServerResponse, chunk: Uint8Array): Promise<void> {
  if (raw.destroyed || raw.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = () => (raw.off('drain', done), raw.off('close', done), resolve());
    raw.once('drain', done);
    raw.once('close', done);
  });
}

/** Error raised before the handler ran (reading the body) or by it. */
export type RouteError = Error & { code?: string; statusCode?: number };

/**
 * The sync invoke hot path: `ANY /function/<name>[.<ns>][/<path>][?query]` → one NATS request to
 * a replica → relay status, headers and body, on Node's request and response. No Nest pipeline, no
 * JSON, no per-call regex beyond the name check. Served by the front lane (invoke-fast-lane.ts) and,
 * for the requests it leaves to Fastify, by the Fastify route of invoke.module.ts: the same code.
 */
@Injectable()
export class InvokeHandler {
  private readonly logger = new Logger(InvokeHandler.name);
  private readonly client: InvokeClient;
  /** Largest request body of a sync call (SKIFF_MAX_BODY_BYTES). */
  readonly bodyLimit: BodyLimit;
  /** Bodies up to this size travel in the call's message (read whole); larger ones are streamed as pulled. */
  readonly inlineMax: number;
  private readonly defaultNamespace: string;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly resolver: FunctionResolver,
    bodyLimit: BodyLimit,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_WAKER) waker: FunctionWaker,
  ) {
    this.client = new InvokeClient(nc, subjects, waker);
    this.defaultNamespace = config.defaultNamespace;
    // Bodies above one NATS message are chunked, so only the configured limit applies here.
    this.bodyLimit = new BodyLimit(Math.max(bodyLimit.bytes, config.maxBodyBytes));
    this.inlineMax = bodyLimit.bytes;
  }

  /** Serves one call; `body` is a Buffer, the request stream (a large or chunked body) or undefined. Never throws. */
  async serve(request: IncomingMessage, response: ServerResponse, body: unknown): Promise<void> {
    try {
      await this.handle(request, response, body);
    } catch (err) {
      if (response.headersSent) response.destroy();
      else this.answerError(err as RouteError, response);
    }
  }

  private async handle(request: IncomingMessage, raw: ServerResponse, body: unknown): Promise<void> {
    const started = performance.now();
    const startTime = `${Date.now()}000000`;
    const incoming = request.headers;
    const given = incoming['x-call-id'];
    const callId = typeof given === 'string' && given ? given : randomUUID();

    const target = splitFunctionUrl(request.url ?? '');
    const ref = parseFunctionRef(target.ref, this.defaultNamespace);
    if (!ref) return this.fail(raw, 404, invalidRefNotFound(target.ref), callId, startTime);
    const fn = this.resolver.resolve(ref.namespace, ref.name);
    if (!fn) return this.fail(raw, 404, `function not found: ${ref.name}.${ref.namespace}`, callId, startTime);

    // A large (or chunked) body is still in the socket: the replica pulls it, and only then is it read.
    const bodyStream: StreamedBody | undefined = isStreamedBody(body)
      ? { source: body, size: declaredLength(request), maxBytes: this.bodyLimit.bytes }
      : undefined;

    const meter = this.metrics.of(fn);
    meter.began();
    let res: InvokeStreamResponse;
    // A client that goes away cancels the call in the replica (kills the fork, aborts the upstream).
    const abort = new AbortController();
    const onClose = () => {
      if (!raw.writableFinished) abort.abort();
    };
    raw.once('close', onClose);
    try {
      res = await this.client.invokeStream(
        fn,
        {
          method: request.method ?? 'GET',
          path: target.path,
          query: target.query,
          headers: upstreamHeaders(incoming, { callId, startTime, remoteAddress: request.socket.remoteAddress }),
          body: bodyStream ? EMPTY : ((body as Buffer | undefined) ?? EMPTY),
          bodyStream,
        },
        { timeoutMs: fn.timeoutMs, signal: abort.signal },
      );
    } catch (err) {
      raw.off('close', onClose);
      const [status, message] = bodyStream?.tooLarge
        ? [413, this.bodyLimit.message]
        : this.describeFailure(err, `${fn.name}.${fn.namespace}`, callId);
      meter.ended(status, (performance.now() - started) / 1000);
      return this.fail(raw, status, message, callId, startTime, bodyStream !== undefined);
    }
    if (bodyStream?.tooLarge) {
      // The replica saw its pull end with the reason; the caller gets the gateway's 413.
      raw.off('close', onClose);
      meter.ended(413, (performance.now() - started) / 1000);
      if (res.more) abort.abort();
      return this.fail(raw, 413, this.bodyLimit.message, callId, startTime, true);
    }
    const seconds = (performance.now() - started) / 1000;
    meter.ended(res.status, seconds);

    const headers = downstreamHeaders(res.headers);
    headers['x-call-id'] = callId;
    headers['x-start-time'] = startTime;
    headers['x-duration-seconds'] = seconds.toFixed(6);
    if (res.internal && headers[INTERNAL] === undefined) headers[INTERNAL] = res.internal;
    // The replica answered without pulling the whole body (its own limit, say): do not read the rest.
    if (bodyStream && !bodyStream.source.readableEnded) headers.connection = 'close';
    if (!bodyless(res.status)) {
      // A streamed body goes out chunked as it arrives; its length is not known yet.
      if (!res.more) headers['content-length'] = String(res.body.byteLength);
      if (headers['content-type'] === undefined && (res.body.byteLength || res.more))
        headers['content-type'] = incoming['content-type'] ?? 'text/plain';
    }
    try {
      raw.writeHead(res.status, headers);
    } catch (err) {
      const message = `invalid response from ${fn.name}.${fn.namespace}: ${(err as Error).message}`;
      raw.writeHead(502, { 'content-type': TEXT, 'x-call-id': callId, [INTERNAL]: 'gateway' });
      raw.end(message);
      abort.abort();
      return;
    }
    if (!res.more) {
      raw.off('close', onClose);
      raw.end(res.body);
      return;
    }
    await this.relay(raw, res, abort, `${fn.name}.${fn.namespace}`, callId);
  }

  /** Writes a streamed body as its chunks arrive (each flushed at once), at the client's pace. */
  private async relay(raw: ServerResponse, res: InvokeStreamResponse, abort: AbortController, fn: string, callId: string): Promise<void> {
    try {
      if (res.body.byteLength) await writeChunk(raw, res.body);
      for await (const chunk of res.more as AsyncIterable<Uint8Array>) {
        if (raw.destroyed) break;
        await writeChunk(raw, chunk);
      }
      raw.end();
    } catch (err) {
      // Headers are out: the only way to say "incomplete" is to cut the connection.
      if (!abort.signal.aborted)
        this.logger.warn({ msg: 'streamed answer broke off', function: fn, callId, error: (err as Error).message });
      raw.destroy();
    } finally {
      if (raw.destroyed && !raw.writableFinished) abort.abort();
    }
  }

  /** Answers an error raised before the handler or by it; `close` ends the connection (a body that could not be read). */
  answerError(error: RouteError, response: ServerResponse, close = false): void {
    if (response.headersSent) return;
    const [status, message] = this.errorAnswer(error);
    const headers: Record<string, string | number> = { 'content-type': TEXT, 'content-length': Buffer.byteLength(message) };
    if (close) headers.connection = 'close';
    response.writeHead(status, headers);
    response.end(message);
  }

  /** Status and text for an error raised before the handler (body over the limit, unreadable body) or by it. */
  errorAnswer(error: RouteError): [number, string] {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return [413, this.bodyLimit.message];
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 502;
    if (status === 502) this.logger.warn({ msg: 'invoke failed before the handler', error: error.message });
    return [status, error.message];
  }

  private describeFailure(err: unknown, fn: string, callId: string): [number, string] {
    if (err instanceof SkiffError) return [err.status, err.message];
    if (err instanceof NatsError && err.code === ErrorCode.BadHeader) return [400, `invalid request header: ${err.message}`];
    this.logger.warn({ msg: 'call failed', function: fn, callId, error: (err as Error).message });
    return [502, `Can't reach service for: ${fn}: ${(err as Error).message}`];
  }

  /** An answer made by the gateway; `close` ends the connection (a streamed body may not have been read whole). */
  private fail(raw: ServerResponse, status: number, message: string, callId: string, startTime: string, close = false): void {
    const headers: Record<string, string | number> = {
      'content-type': TEXT,
      'x-call-id': callId,
      'x-start-time': startTime,
      [INTERNAL]: 'gateway',
      'content-length': Buffer.byteLength(message),
    };
    if (close) headers.connection = 'close';
    raw.writeHead(status, headers);
    raw.end(message);
  }
}
