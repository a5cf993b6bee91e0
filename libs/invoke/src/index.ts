export * from './invoke.types';
export * from './invoke-codec';
export * from './invoke-client';
