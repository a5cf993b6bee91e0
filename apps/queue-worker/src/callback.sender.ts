import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent, request } from 'undici';
import { ASYNC_HTTP_HEADERS, CallbackPolicy, HOP_BY_HOP_HEADERS } from '@skiff/contracts';
import { QUEUE_WORKER_CONFIG, QueueWorkerConfig } from './config/queue-worker.config';
import { guardedLookup, isCallbackRefused } from './callback-lookup';

const USER_AGENT = 'skiff-queue-worker/0.1.0';

/** What one callback POST came to. */
export interface CallbackTry {
  /** `delivered` (< 400), `retry` (transport error, 408, 429, 5xx) or `rejected` (another 4xx: not retried). */
  result: 'delivered' | 'retry' | 'rejected';
  /** HTTP status (0 when the receiver could not be reached or did not answer in time). */
  status: number;
  /** What went wrong, unless delivered. */
  error?: string;
}

/** What the callback of a finished call says about it. */
export interface CallbackFacts {
  /** The call id. */
  callId: string;
  /** The function's HTTP status. */
  status: number;
  /** The function as the caller named it. */
  functionName: string;
  /** Seconds the last attempt took. */
  durationSeconds: number;
  /** The attempt that produced this result (1-based). */
  attempt: number;
  /** Attempts allowed. */
  maxAttempts: number;
  /** The function's response headers. */
  headers?: Record<string, string | string[]>;
}

const FACT_HEADERS = new Set(Object.values(ASYNC_HTTP_HEADERS).map((h) => h.toLowerCase()));

/** HTTP headers of a callback: the function's own (hop-by-hop ones and the facts' names dropped) plus the call's facts. */
export function callbackHeaders(facts: CallbackFacts): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(facts.headers ?? {})) {
    const lower = name.toLowerCase();
    if (!HOP_BY_HOP_HEADERS.has(lower) && !FACT_HEADERS.has(lower)) out[name] = value;
  }
  out[ASYNC_HTTP_HEADERS.callId] = facts.callId;
  out[ASYNC_HTTP_HEADERS.functionStatus] = String(facts.status);
  out[ASYNC_HTTP_HEADERS.functionName] = facts.functionName;
  out[ASYNC_HTTP_HEADERS.durationSeconds] = facts.durationSeconds.toFixed(6);
  out[ASYNC_HTTP_HEADERS.retry] = String(facts.attempt - 1);
  out[ASYNC_HTTP_HEADERS.retryMax] = String(facts.maxAttempts);
  return out;
}

/**
 * POSTs callbacks (one keep-alive pool per process) and classifies the answer. Destinations go
 * through the callback policy (audit #7): a literal host is checked before the request, a name on
 * every address it resolves to, and the socket connects only to an address that was checked.
 * Redirects are not followed (a 3xx counts as delivered), so a receiver cannot bounce a callback to a
 * refused place. A refused destination is `rejected` (never retried) and recorded with the result.
 */
@Injectable()
export class CallbackSender implements OnApplicationShutdown {
  private readonly agent: Agent;
  private readonly policy: CallbackPolicy;

  constructor(@Inject(QUEUE_WORKER_CONFIG) config: Pick<QueueWorkerConfig, 'callbackPolicy'>) {
    this.policy = config.callbackPolicy;
    this.agent = new Agent({ keepAliveTimeout: 10_000, connections: 64, connect: { lookup: guardedLookup(this.policy) } });
  }

  /** One POST of `body` with `headers` to `url`, bounded by `timeoutMs`; never throws. */
  async post(url: string, headers: Record<string, string | string[]>, body: Uint8Array, timeoutMs: number): Promise<CallbackTry> {
    let host: string;
    try {
      host = new URL(url).hostname;
    } catch {
      return { result: 'rejected', status: 0, error: `callback URL ${url} is not a valid absolute URL` };
    }
    const refused = this.policy.hostProblem(host);
    if (refused) return { result: 'rejected', status: 0, error: refused };
    try {
      const res = await request(url, {
        method: 'POST',
        headers: { ...headers, 'user-agent': USER_AGENT },
        body: Buffer.from(body.buffer, body.byteOffset, body.length),
        dispatcher: this.agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      await res.body.dump();
      const status = res.statusCode;
      if (status < 400) return { result: 'delivered', status };
      if (status === 408 || status === 429 || status >= 500) return { result: 'retry', status, error: `answered ${status}` };
      return { result: 'rejected', status, error: `the receiver answered ${status}` };
    } catch (err) {
      if (isCallbackRefused(err)) return { result: 'rejected', status: 0, error: (err as Error).message };
      return { result: 'retry', status: 0, error: (err as Error).message };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}
