import type { Readable } from 'node:stream';
import type { InvokeRequest, InvokeResponse } from '@skiff/invoke/invoke.types';
import { OPENFAAS_INTERNAL_HEADER } from '@skiff/contracts/invoke-protocol';

/** Runs the function for one mode (classic, http, inproc). */
export interface FunctionRunner {
  /** Prepares the mode (starts the upstream, loads the handler); rejects with a clear reason. */
  start(): Promise<void>;
  /**
   * Runs one call; `timeoutMs` 0 = no deadline; `signal` aborts when the caller went away (kill the
   * work). Never rejects: failures are answers.
   */
  invoke(req: InvokeRequest, timeoutMs: number, signal?: AbortSignal): Promise<RunnerResponse>;
  /** Stops whatever `start` started. */
  stop(): Promise<void>;
}

/** A runner's answer; with `stream`, the body is produced over time (`body` is then empty). */
export interface RunnerResponse extends InvokeResponse {
  /** The body as it is produced (SSE, NDJSON, a streaming fork, a large upstream answer). */
  stream?: Readable;
}

/** Platform component names carried in `X-OpenFaaS-Internal`. */
export type InternalComponent = 'of-watchdog' | 'faas-middleware';

/** A plain-text answer the watchdog produced itself. */
export function textResponse(status: number, text: string, internal?: InternalComponent): InvokeResponse {
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
  if (internal) headers[OPENFAAS_INTERNAL_HEADER] = internal;
  return { status, headers, body: Buffer.from(text), internal };
}

/** First value of a header, looked up without regard to case. */
export function headerValue(headers: InvokeRequest['headers'], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const key in headers) {
    if (key.toLowerCase() !== lower) continue;
    const v = headers[key];
    return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}
