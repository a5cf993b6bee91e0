import { CliError, EXIT } from '../cli-error';
import { cliVersion } from '../version';
import { Credentials, resolveCredentials } from './credentials';

/** One answer of the gateway. */
export interface GatewayReply {
  /** Status code. */
  status: number;
  /** Headers. */
  headers: Headers;
  /** Body text. */
  text: string;
}

/** Options of one call. */
export interface CallOptions {
  /** JSON-encoded unless a string or Buffer. */
  body?: unknown;
  /** Extra headers. */
  headers?: Record<string, string>;
  /** Query parameters (undefined values skipped; arrays repeat the key). */
  query?: Record<string, string | string[] | undefined>;
  /** Give up after this many ms. */
  timeoutMs?: number;
  /** Statuses returned as replies instead of thrown (e.g. 404 for deploy's PUT→POST). */
  accept?: number[];
  /** Response body not read (streams). */
  stream?: boolean;
  /** Send the credentials outside /system/ too (async call status and cancel are admin routes). */
  admin?: boolean;
}

/** The gateway's HTTP API with credentials, clear errors and exit codes. */
export class GatewayClient {
  private credentials?: Credentials | null;

  constructor(
    /** Base URL, no trailing slash. */
    readonly url: string,
    credentials?: Credentials,
  ) {
    if (credentials) this.credentials = credentials;
  }

  /** Credentials used (resolved lazily: flag/env, saved login, local platform). */
  auth(): Credentials | undefined {
    if (this.credentials === undefined) this.credentials = resolveCredentials(this.url) ?? null;
    return this.credentials ?? undefined;
  }

  /** A URL under the gateway. */
  href(path: string, query?: CallOptions['query']): string {
    const url = new URL(`${this.url}${path}`);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, one);
    }
    return url.toString();
  }

  /** Sends one request; non-2xx statuses become CliErrors unless listed in `accept`. */
  async call(method: string, path: string, options: CallOptions = {}): Promise<GatewayReply & { response: Response }> {
    const response = await this.fetch(method, path, options);
    const reply = { status: response.status, headers: response.headers, text: options.stream ? '' : await response.text(), response };
    if (response.ok || options.accept?.includes(response.status)) return reply;
    if (options.stream) reply.text = await response.text().catch(() => '');
    throw this.errorFor(method, path, reply);
  }

  /** GET and parse JSON. */
  async getJson<T>(path: string, query?: CallOptions['query'], admin = false): Promise<T> {
    const reply = await this.call('GET', path, { query, admin });
    try {
      return JSON.parse(reply.text) as T;
    } catch {
      throw new CliError(`the gateway answered GET ${path} with something that is not JSON: ${reply.text.slice(0, 200)}`);
    }
  }

  /** Raw fetch with headers and auth; network failures become an "unreachable" CliError. */
  async fetch(method: string, path: string, options: CallOptions = {}): Promise<Response> {
    const headers: Record<string, string> = {
      'user-agent': `skiff/${cliVersion()} (${process.platform}; ${process.arch})`,
      ...(options.headers ?? {}),
    };
    const creds = path.startsWith('/system/') || options.admin ? this.auth() : undefined;
    if (creds && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) {
      headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    }
    let body: string | Buffer | undefined;
    if (options.body !== undefined) {
      if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) body = options.body;
      else {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
    }
    if (process.env.SKIFF_DEBUG || process.env.FAAS_DEBUG) process.stderr.write(`> ${method} ${this.href(path, options.query)}\n`);
    try {
      return await fetch(this.href(path, options.query), {
        method,
        headers,
        body,
        redirect: 'manual',
        signal: options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined,
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError')
        throw new CliError(`${method} ${path} got no answer from ${this.url} within ${options.timeoutMs} ms`, EXIT.failed);
      const reason = e.cause?.code ?? e.cause?.message ?? e.message;
      throw new CliError(
        `cannot reach the gateway at ${this.url} (${reason})`,
        EXIT.unreachable,
        'start the platform (npm start), or point skiff at it with --gateway URL or SKIFF_URL',
      );
    }
  }

  private errorFor(method: string, path: string, reply: GatewayReply): CliError {
    const reason = reply.text.trim() || `HTTP ${reply.status}`;
    switch (reply.status) {
      case 401:
      case 403: {
        const creds = this.auth();
        return creds
          ? new CliError(
              `the gateway at ${this.url} refused the credentials of user ${creds.username} (from ${creds.source})`,
              EXIT.auth,
              `log in again: skiff login --gateway ${this.url}`,
            )
          : new CliError(
              `the gateway at ${this.url} needs credentials`,
              EXIT.auth,
              `log in: skiff login --gateway ${this.url} --password-stdin`,
            );
      }
      case 404:
        return new CliError(reason, EXIT.notFound);
      case 400:
      case 409:
      case 413:
      case 415:
      case 422:
        return new CliError(`${method} ${path} refused (${reply.status}): ${reason}`, EXIT.usage);
      default:
        return new CliError(`${method} ${path} failed (${reply.status}): ${reason}`, EXIT.failed);
    }
  }
}
