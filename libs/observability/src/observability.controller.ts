import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Registry } from 'prom-client';
import { HealthService } from './health.service';
import { METRICS_REGISTRY } from './observability.tokens';

/** `/healthz`: 200 when every check passes, 503 otherwise. */
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('healthz')
  async healthz(@Res() reply: FastifyReply): Promise<void> {
    const report = await this.health.report();
    await reply.code(report.ok ? 200 : 503).send(report);
  }
}

/** `/metrics` (Prometheus text) on the service's own HTTP listener. */
@Controller()
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async metrics(@Res() reply: FastifyReply): Promise<void> {
    await reply.header('Content-Type', this.registry.contentType).send(await this.registry.metrics());
  }
}
