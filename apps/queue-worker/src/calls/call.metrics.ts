import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@skiff/observability';

/** `skiff_async_attempts_total` and `skiff_async_attempt_duration_seconds`. */
@Injectable()
export class CallMetrics {
  private readonly outcomes: Counter;
  private readonly durations: Histogram;

  constructor(@Inject(METRICS_REGISTRY) metrics: Registry) {
    this.outcomes = new Counter({
      name: 'skiff_async_attempts_total',
      help: 'Async call attempts by outcome (succeeded, failed, retried, dead-lettered, cancelled)',
      labelNames: ['function_name', 'outcome'],
      registers: [metrics],
    });
    this.durations = new Histogram({
      name: 'skiff_async_attempt_duration_seconds',
      help: 'Duration of async call attempts',
      labelNames: ['function_name'],
      registers: [metrics],
    });
  }

  /** Counts one attempt's (or delivery's) outcome. */
  outcome(label: string, outcome: string): void {
    this.outcomes.inc({ function_name: label, outcome });
  }

  /** Records how long one attempt took. */
  duration(label: string, seconds: number): void {
    this.durations.observe({ function_name: label }, seconds);
  }
}
