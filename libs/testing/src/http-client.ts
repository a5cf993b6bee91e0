/** One HTTP answer, body already read. */
export interface HttpReply {
  /** Status code. */
  status: number;
  /** Response headers (lower-case names). */
  headers: Headers;
  /** Body as text. */
  text: string;
  /** Body parsed as JSON; throws with the text when it is not JSON. */
  json<T = unknown>(): T;
}

/** Options of one request. */
export interface HttpRequestOptions {
  /** Body: a string or Buffer is sent as is, anything else as JSON. */
  body?: unknown;
  /** Request headers. */
  headers?: Record<string, string>;
  /** Give up after this many ms (default 30 s). */
  timeoutMs?: number;
}

/** A tiny client for one base URL (the gateway), on the global fetch (undici). */
export class HttpClient {
  constructor(
    readonly baseUrl: string,
    /** Headers sent with every request (e.g. basic auth); per-request headers win. */
    readonly defaultHeaders: Record<string, string> = {},
  ) {}

  /** Sends one request; never throws on an HTTP status, only when no answer arrives. */
  async request(method: string, path: string, options: HttpRequestOptions = {}): Promise<HttpReply> {
    const headers: Record<string, string> = { ...this.defaultHeaders, ...(options.headers ?? {}) };
    let body: string | Buffer | undefined;
    if (options.body !== undefined) {
      if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) body = options.body;
      else {
        body = JSON.stringify(options.body);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      }
    }
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      text,
      json<T>(): T {
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new Error(`expected JSON from ${method} ${path} (status ${res.status}), got: ${text.slice(0, 500)}`);
        }
      },
    };
  }

  get(path: string, options?: HttpRequestOptions): Promise<HttpReply> {
    return this.request('GET', path, options);
  }

  post(path: string, body?: unknown, options?: HttpRequestOptions): Promise<HttpReply> {
    return this.request('POST', path, { ...options, body });
  }

  put(path: string, body?: unknown, options?: HttpRequestOptions): Promise<HttpReply> {
    return this.request('PUT', path, { ...options, body });
  }

  delete(path: string, body?: unknown, options?: HttpRequestOptions): Promise<HttpReply> {
    return this.request('DELETE', path, { ...options, body });
  }
}
