import { Registry, collectDefaultMetrics } from 'prom-client';

/** The process's Prometheus registry, with Node process metrics (CPU, memory, event loop, GC). */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
