/** Injection token of the InvocationCounters. */
export const INVOCATION_COUNTERS = 'INVOCATION_COUNTERS';
/** Injection token of the ScalerMetrics. */
export const SCALER_METRICS = 'SCALER_METRICS';
