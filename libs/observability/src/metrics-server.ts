import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Registry } from 'prom-client';
import { METRICS_LISTENER, METRICS_REGISTRY } from './observability.tokens';

/** Where a service serves `/metrics` when not on its main HTTP listener. */
export interface MetricsListenerOptions {
  /** Port (0: any free port, logged). */
  port: number;
  /** Address to bind. */
  host: string;
}

/**
 * `/metrics` on a listener of its own (the gateway's, as OpenFaaS serves gateway metrics on a port
 * apart from the API): only `GET`/`HEAD /metrics`, everything else 404, small timeouts and cap. Starts
 * with the application (a port in use stops the service) and closes with it.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server?: Server;

  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(METRICS_LISTENER) private readonly options: MetricsListenerOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const server = createServer(
      { headersTimeout: 10_000, requestTimeout: 10_000, keepAliveTimeout: 30_000 },
      (req, res) => void this.serve(req, res),
    );
    server.maxConnections = 64;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`metrics port ${this.options.port} on ${this.options.host}: ${err.message}`)));
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.server = server;
    const { address, port } = server.address() as AddressInfo;
    this.logger.log(`metrics served on http://${address.includes(':') ? `[${address}]` : address}:${port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The port it listens on (tests, logs). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('only GET /metrics is served here\n');
      return;
    }
    try {
      const text = await this.registry.metrics();
      res
        .writeHead(200, { 'content-type': this.registry.contentType, 'cache-control': 'no-store' })
        .end(req.method === 'HEAD' ? undefined : text);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics failed: ${(err as Error).message}\n`);
    }
  }
}
