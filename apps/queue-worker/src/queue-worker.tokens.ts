/** Injection token of the worker's FunctionRegistryCache. */
export const FUNCTION_REGISTRY = 'FUNCTION_REGISTRY';
/** Injection token of the AsyncResultStore. */
export const RESULT_STORE = 'RESULT_STORE';
/** Injection token of the InvokeClient. */
export const INVOKE_CLIENT = 'INVOKE_CLIENT';
/** Injection token of the AsyncBodyStore (out-of-line bodies). */
export const BODY_STORE = 'BODY_STORE';
/** Injection token of the `skiff_async_callbacks_total` counter (shared by the processor and the dispatcher). */
export const CALLBACK_METRIC = 'CALLBACK_METRIC';
