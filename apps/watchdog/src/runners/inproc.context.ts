import type { HeaderMap, InvokeResponse } from '@skiff/invoke/invoke.types';

/** Header values a handler may set. */
export type HandlerHeaders = Record<string, string | number | string[]>;

/**
 * The node template's `context`: `status()`, `headers()`, `succeed()`, `fail()`.
 * The first `succeed`/`fail` (or the handler's resolved value) settles the call.
 */
export class FunctionContext {
  private statusCode = 200;
  private statusSet = false;
  private headerValues: HandlerHeaders = {};
  private settled = false;

  constructor(
    /** Host name of the replica. */
    readonly hostname: string,
    private readonly done: (res: InvokeResponse, error?: unknown) => void,
  ) {}

  /** Sets the status (chainable), or returns it when called without a code. */
  status(): number;
  status(code: number): this;
  status(code?: number): this | number {
    if (code === undefined) return this.statusCode;
    this.statusCode = code;
    this.statusSet = true;
    return this;
  }

  /** Sets the response headers (chainable), or returns them when called without a value. */
  headers(): HandlerHeaders;
  headers(value: HandlerHeaders): this;
  headers(value?: HandlerHeaders): this | HandlerHeaders {
    if (value === undefined) return this.headerValues;
    this.headerValues = value;
    return this;
  }

  /** Answers with `value` (objects and arrays as JSON). */
  succeed(value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.done(this.respond(this.statusCode, value));
  }

  /** Answers with the error text and 500, unless a status was set. */
  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    const text = error instanceof Error ? error.toString() : typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
    this.done(this.respond(this.statusSet ? this.statusCode : 500, text), error ?? 'failed');
  }

  /** The old-style `(err, value)` callback some handlers take as third argument. */
  readonly callback = (err: unknown, value?: unknown): void => (err ? this.fail(err) : this.succeed(value));

  /** True once the call was answered. */
  get isSettled(): boolean {
    return this.settled;
  }

  /** Marks the call answered by someone else (the deadline). */
  abandon(): void {
    this.settled = true;
  }

  private respond(status: number, value: unknown): InvokeResponse {
    let body: Uint8Array;
    let type: string | undefined;
    if (value === undefined || value === null) body = EMPTY;
    else if (typeof value === 'string') {
      body = Buffer.from(value);
      type = 'text/html; charset=utf-8';
    } else if (value instanceof Uint8Array) {
      body = value;
      type = 'application/octet-stream';
    } else if (typeof value === 'object') {
      body = Buffer.from(JSON.stringify(value));
      type = 'application/json; charset=utf-8';
    } else body = Buffer.from(String(value));

    const headers: HeaderMap = {};
    let hasType = false;
    for (const name in this.headerValues) {
      const v = this.headerValues[name];
      headers[name] = Array.isArray(v) ? v.map(String) : String(v);
      if (!hasType && name.toLowerCase() === 'content-type') hasType = true;
    }
    if (type && !hasType) headers['Content-Type'] = type;
    return { status, headers, body };
  }
}

const EMPTY = new Uint8Array(0);
