import { Controller, Get, Inject, Logger, OnModuleDestroy, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ERROR_CODES, SkiffError } from '@skiff/contracts';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { FunctionResolver } from '../registry/function-resolver.service';
import { parseLogQuery } from './log-query';
import { LogReader } from './log-reader.service';

/** `GET /system/logs`: function output as NDJSON, history and (with follow) live lines. */
@Controller('system')
export class LogsController implements OnModuleDestroy {
  private readonly logger = new Logger('Logs');
  /** Open reads, ended at shutdown so a follower never holds the server open. */
  private readonly open = new Set<AbortController>();

  constructor(
    private readonly reader: LogReader,
    private readonly resolver: FunctionResolver,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get('logs')
  async logs(@Query() params: Record<string, unknown>, @Res() reply: FastifyReply): Promise<void> {
    const query = parseLogQuery(params, this.config.defaultNamespace);
    if (!this.resolver.resolve(query.namespace, query.name)) {
      throw new SkiffError(ERROR_CODES.functionNotFound, `function: ${query.name}.${query.namespace} not found`);
    }
    const abort = new AbortController();
    const raw = reply.raw;
    raw.on('close', () => abort.abort());
    this.open.add(abort);
    abort.signal.addEventListener('abort', () => this.open.delete(abort), { once: true });
    // Open the consumer before answering 200, so a broken stream is still a clean 500.
    let read: Awaited<ReturnType<LogReader['open']>>;
    try {
      read = await this.reader.open(query, abort.signal);
    } catch (err) {
      this.open.delete(abort);
      this.logger.warn({ msg: 'log request failed', function: `${query.name}.${query.namespace}`, error: (err as Error).message });
      throw new SkiffError(ERROR_CODES.internal, 'function log request failed');
    }
    reply.hijack();
    raw.writeHead(200, {
      'Content-Type': 'application/x-ndjson',
      'Transfer-Encoding': 'chunked',
      Connection: 'Keep-Alive',
      'Cache-Control': 'no-cache',
    });
    raw.flushHeaders();
    try {
      for await (const line of read.lines) {
        if (abort.signal.aborted) break;
        await write(raw, line);
      }
    } catch (err) {
      if (!abort.signal.aborted)
        this.logger.warn({ msg: 'log stream broke', function: `${query.name}.${query.namespace}`, error: (err as Error).message });
    } finally {
      await read.close();
      this.open.delete(abort);
      if (!raw.destroyed) raw.end();
    }
  }

  /** Nest runs this before it closes the HTTP server: end every follow. */
  onModuleDestroy(): void {
    for (const abort of this.open) abort.abort();
  }
}

/** Writes one NDJSON line (flushed at once), waiting while the client is slow. */
async function write(raw: FastifyReply['raw'], line: object): Promise<void> {
  if (raw.destroyed) return;
  if (!raw.write(`${JSON.stringify(line)}\n`)) {
    await new Promise<void>((resolve) => {
      const done = () => (raw.off('drain', done), raw.off('close', done), resolve());
      raw.once('drain', done);
      raw.once('close', done);
    });
  }
}
