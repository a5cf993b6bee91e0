import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CallbackPolicy, isCallId, isTriggerCallId, parseFunctionRef, SkiffError } from '@skiff/contracts';
import { encodeAsyncCall } from '@skiff/async';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { BodyLimit } from '../config/body-limit';
import { FunctionResolver } from '../registry/function-resolver.service';
import { describeRefProblem, invalidRefNotFound, splitFunctionUrl } from '../invoke/function-url';
import { upstreamHeaders } from '../invoke/invoke-headers';
import { hasAdminCredentials, sendAuthChallenge } from '../auth/basic-auth.hook';
import { AsyncCalls } from './async-calls.service';
import { isStreamedBody } from '@skiff/http';
import { ASYNC_CONFIG, AsyncConfig } from './async.env';

const EMPTY = new Uint8Array(0);
const TEXT = 'text/plain; charset=utf-8';
const PREFIX = '/async-function/';
/** `Retry-After` of a 429 (the function's queue is full) or 507 (a store is full), in seconds. */
const FULL_RETRY_AFTER_S = 5;

/** Error raised by Fastify before the handler ran. */
type RouteError = Error & { code?: string; statusCode?: number };

/**
 * Why a callback URL is unusable, or undefined when it is an absolute http(s) URL whose host is not
 * refused by `policy` as written (a literal non-public address, `localhost`; names are checked after
 * DNS resolution by the queue-worker).
 */
export function callbackUrlProblem(raw: string, policy: CallbackPolicy): string | undefined {
  // The WHATWG parser tolerates spaces; a URL on the wire has none (and "a, b" means two headers joined).
  if (/\s/.test(raw)) return `X-Callback-Url "${raw}" contains whitespace: send one absolute http(s) URL`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `X-Callback-Url "${raw}" is not a valid absolute URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `X-Callback-Url "${raw}" must use http or https, not ${url.protocol.replace(':', '')}`;
  if (!url.hostname) return `X-Callback-Url "${raw}" has no host`;
  const refused = policy.hostProblem(url.hostname);
  return refused ? `X-Callback-Url "${raw}" refused: ${refused}` : undefined;
}

/**
 * The query of `DELETE /async-function/<call-id>[?function=<name>[.<ns>]]` when it is a cancel (no
 * query, or only `function`), else undefined (an async DELETE call of a function with that name).
 */
function cancelTarget(query: string): { function?: string } | undefined {
  if (!query) return {};
  const params = new URLSearchParams(query);
  const keys = [...params.keys()];
  return keys.length === 1 && keys[0] === 'function' ? { function: params.get('function') ?? '' } : undefined;
}

/**
 * `ANY /async-function/<name>[.<ns>][/<path>][?query]`: stores the call (method, path, query,
 * headers, body) in the async stream and answers 202 with `X-Call-Id` once JetStream acked it.
 * `DELETE /async-function/<call-id>[?function=<name>[.<ns>]]` (no path, not a deployed function) cancels
 * a queued call; it needs the admin credentials (basic auth, as `/system/*`). Call ids are scoped per
 * function: without `function`, the one function's call with that id (409 when several have one).
 */
@Injectable()
export class AsyncInvokeHandler {
  private readonly logger = new Logger(AsyncInvokeHandler.name);
  private readonly defaultNamespace: string;
  /** Largest request body (SKIFF_MAX_BODY_BYTES, as for sync calls). */
  readonly bodyLimit: BodyLimit;
  /** Largest body carried in the call's message; larger ones (or of unknown length) are streamed into the body store. */
  readonly inlineMax: number;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly resolver: FunctionResolver,
    natsBodyLimit: BodyLimit,
    private readonly calls: AsyncCalls,
    @Inject(ASYNC_CONFIG) private readonly asyncConfig: AsyncConfig,
  ) {
    this.defaultNamespace = config.defaultNamespace;
    this.bodyLimit = new BodyLimit(Math.max(natsBodyLimit.bytes, config.maxBodyBytes));
    this.inlineMax = natsBodyLimit.bytes;
  }

  async handle(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const startTime = `${Date.now()}000000`;
    const incoming = request.headers;
    const given = incoming['x-call-id'];
    if (given !== undefined && !isCallId(given)) {
      return this.fail(
        reply,
        400,
        `X-Call-Id must be 1-128 characters of A-Z a-z 0-9 "-" "_" "." "=" (starting with a letter, digit, "-" or "_")`,
        undefined,
        startTime,
      );
    }
    if (given !== undefined && isTriggerCallId(given)) {
      return this.fail(
        reply,
        400,
        `X-Call-Id "${given}" has the form of a triggered call's id (<trigger>-<40 hex>), which is reserved: choose another id`,
        undefined,
        startTime,
      );
    }
    const callId = given ?? randomUUID();
    const target = splitFunctionUrl(request.url, PREFIX);
    const cancelOf = request.method === 'DELETE' && target.path === '/' ? cancelTarget(target.query) : undefined;
    const ref = parseFunctionRef(target.ref, this.defaultNamespace);
    const fn = ref && this.resolver.resolve(ref.namespace, ref.name);
    if (!fn) {
      if (cancelOf && isCallId(target.ref)) {
        // Cancelling needs the admin credentials, as call status does.
        if (!hasAdminCredentials(request)) return sendAuthChallenge(reply);
        const owner = cancelOf.function === undefined ? undefined : parseFunctionRef(cancelOf.function, this.defaultNamespace);
        if (cancelOf.function !== undefined && !owner)
          return this.fail(reply, 400, describeRefProblem(cancelOf.function), undefined, startTime);
        return this.cancel(target.ref, owner, reply);
      }
      if (!ref) return this.fail(reply, 404, invalidRefNotFound(target.ref), callId, startTime);
      return this.fail(reply, 404, `function not found: ${ref.name}.${ref.namespace}`, callId, startTime);
    }

    const callbackUrl = incoming['x-callback-url'];
    if (Array.isArray(callbackUrl)) return this.fail(reply, 400, 'send at most one X-Callback-Url header', callId, startTime);
    const problem = callbackUrl === undefined ? undefined : callbackUrlProblem(callbackUrl, this.asyncConfig.callbacks);
    if (problem) return this.fail(reply, 400, problem, callId, startTime);

    let encoded: ReturnType<typeof encodeAsyncCall>;
    try {
      encoded = encodeAsyncCall(
        {
          method: request.method,
          path: target.path,
          query: target.query,
          headers: upstreamHeaders(incoming, { callId, startTime, remoteAddress: request.raw.socket.remoteAddress }),
          body: isStreamedBody(request.body) ? EMPTY : ((request.body as Buffer | undefined) ?? EMPTY),
        },
        { callId, functionRef: target.ref, callbackUrl },
      );
    } catch (err) {
      return this.fail(reply, 400, `invalid request header: ${(err as Error).message}`, callId, startTime);
    }

    const streamed = isStreamedBody(request.body) ? request.body : undefined;
    try {
      // A generated id is new and unguessable: no resubmission to compare with, so no request digest.
      const call = {
        callId,
        namespace: fn.namespace,
        name: fn.name,
        headers: encoded.headers,
        ...(given === undefined ? { digest: '' } : {}),
      };
      if (streamed) await this.calls.submitStream(call, streamed, this.bodyLimit.bytes, this.bodyLimit.message);
      else await this.calls.submit({ ...call, data: encoded.data }, this.inlineMax);
    } catch (err) {
      // A streamed body may not have been read to its end: do not read the rest.
      if (streamed && !streamed.readableEnded) void reply.header('connection', 'close');
      const status = err instanceof SkiffError ? err.status : 503;
      if (status >= 500)
        this.logger.warn({ msg: 'async call not stored', function: `${fn.name}.${fn.namespace}`, callId, error: (err as Error).message });
      // A full queue or store drains as calls finish: tell the caller when to come back.
      if (status === 429 || status === 507) void reply.header('retry-after', String(FULL_RETRY_AFTER_S));
      return this.fail(reply, status, (err as Error).message, callId, startTime);
    }
    void reply.code(202).headers({ 'x-call-id': callId, 'x-start-time': startTime }).send();
  }

  /** Errors Fastify raised before the handler (body over the limit, unreadable body). */
  onError(error: RouteError, _request: FastifyRequest, reply: FastifyReply): void {
    if (reply.sent || reply.raw.headersSent) return;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      void reply.code(413).type(TEXT).send(this.bodyLimit.message);
      return;
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) this.logger.error({ msg: 'async submission failed before the handler', error: error.message });
    void reply.code(status).type(TEXT).send(error.message);
  }

  private async cancel(callId: string, fn: { namespace: string; name: string } | undefined, reply: FastifyReply): Promise<void> {
    try {
      await this.calls.cancel(callId, fn);
      void reply.code(202).header('x-call-id', callId).send();
    } catch (err) {
      this.fail(reply, err instanceof SkiffError ? err.status : 503, (err as Error).message, callId, undefined);
    }
  }

  private fail(reply: FastifyReply, status: number, message: string, callId: string | undefined, startTime: string | undefined): void {
    const headers: Record<string, string> = { 'content-type': TEXT };
    if (callId) headers['x-call-id'] = callId;
    if (startTime) headers['x-start-time'] = startTime;
    void reply.code(status).headers(headers).send(message);
  }
}
