import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ERROR_CODES, MetricsHistory, SkiffError, parseFunctionRef } from '@skiff/contracts';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { pickNamespace } from '../system/namespace-param';
import { MetricsHistoryReader, metricsRange } from './metrics-history.reader';

/**
 * `GET /system/metrics/history?range=5m|15m|1h|6h|24h[&function=<name>[.<namespace>]][&namespace=]`:
 * the metrics history of one function, or of the whole platform without `function` (admin
 * credentials, as every `/system` route).
 */
@Controller('system/metrics')
export class MetricsController {
  constructor(
    private readonly reader: MetricsHistoryReader,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get('history')
  history(
    @Query('range') range?: unknown,
    @Query('function') fn?: unknown,
    @Query('namespace') namespace?: unknown,
  ): Promise<MetricsHistory> {
    const r = metricsRange(range);
    if (fn === undefined || fn === '') return this.reader.read(r);
    const ref = typeof fn === 'string' ? parseFunctionRef(fn, pickNamespace(this.config.defaultNamespace, namespace)) : undefined;
    if (!ref) throw new SkiffError(ERROR_CODES.invalidRequest, `function: (${String(fn).slice(0, 80)}) is not a function name`);
    return this.reader.read(r, ref);
  }
}
