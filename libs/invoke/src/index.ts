export * from './invoke.types';
export * from './invoke-codec';
export * from './invoke-client';
export * from './function-waker';
export * from './invocation-stats';
export * from './bus-wake-requester';
export * from './body-stream';
