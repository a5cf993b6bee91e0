/** Injection token of the scaler's registry cache. */
export const SCALER_REGISTRY = 'SCALER_REGISTRY';
/** Injection token of the InvocationCounters. */
export const INVOCATION_COUNTERS = 'INVOCATION_COUNTERS';
/** Injection token of the ScalerMetrics. */
export const SCALER_METRICS = 'SCALER_METRICS';
