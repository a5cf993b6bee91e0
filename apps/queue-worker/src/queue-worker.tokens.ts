/** Injection token of the worker's FunctionRegistryCache. */
export const FUNCTION_REGISTRY = 'FUNCTION_REGISTRY';
/** Injection token of the AsyncQueue (results, bodies, dead letters). */
export const ASYNC_QUEUE = 'ASYNC_QUEUE';
/** Injection token of the InvokeClient. */
export const INVOKE_CLIENT = 'INVOKE_CLIENT';
/** Injection token of the `skiff_async_callbacks_total` counter (shared by the processor and the dispatcher). */
export const CALLBACK_METRIC = 'CALLBACK_METRIC';
