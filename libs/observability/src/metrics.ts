import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * prom-client's gauges of active handles/requests/resources end in `_total`, which
 * `promtool check metrics` rejects for a non-counter; `nodejs_active_resources` (kept) says the same.
 */
const NOT_LINT_CLEAN = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** The process's Prometheus registry, with Node process metrics (CPU, memory, event loop, GC). */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  for (const name of NOT_LINT_CLEAN) registry.removeSingleMetric(name);
  return registry;
}

/**
 * Marks a metric `untyped` in the exposition. For OpenFaaS names that break Prometheus naming
 * rules for their real type (a counter without `_total`, a gauge ending in `_count`), so they stay
 * compatible with existing dashboards and still pass `promtool check metrics`.
 */
export function exposeUntyped<T extends object>(metric: T): T {
  (metric as unknown as { type: string }).type = 'untyped';
  return metric;
}
