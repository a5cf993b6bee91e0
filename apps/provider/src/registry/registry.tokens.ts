/** Injection token of the registry KV bucket (the provider is its only writer). */
export const FUNCTIONS_KV = 'FUNCTIONS_KV';

/** Injection token of the ProviderInfo computed at start. */
export const PROVIDER_INFO = 'PROVIDER_INFO';
