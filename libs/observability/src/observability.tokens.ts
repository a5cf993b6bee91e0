/** Injection token of the service's Prometheus registry. */
export const METRICS_REGISTRY = 'METRICS_REGISTRY';

/** Injection token of the metrics listener's options (ObservabilityOptions.metricsListener). */
export const METRICS_LISTENER = 'METRICS_LISTENER';
