/** Injection token of the worker's FunctionRegistryCache. */
export const FUNCTION_REGISTRY = 'FUNCTION_REGISTRY';
/** Injection token of the AsyncResultStore. */
export const RESULT_STORE = 'RESULT_STORE';
/** Injection token of the InvokeClient. */
export const INVOKE_CLIENT = 'INVOKE_CLIENT';
