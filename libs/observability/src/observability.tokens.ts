/** Injection token of the service's Prometheus registry. */
export const METRICS_REGISTRY = 'METRICS_REGISTRY';
