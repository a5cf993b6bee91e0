import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsHistoryReader } from './metrics-history.reader';

/** `/system/metrics/*`: the metrics history the scaler writes, for the portal's dashboards. */
@Module({ controllers: [MetricsController], providers: [MetricsHistoryReader] })
export class MetricsModule {}
