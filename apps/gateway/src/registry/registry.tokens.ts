/** Injection token of the gateway's FunctionRegistryCache. */
export const FUNCTION_REGISTRY = 'FUNCTION_REGISTRY';
