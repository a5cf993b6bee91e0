export * from './test-env';
export * from './wait-for';
export * from './service-process';
export * from './free-port';
export * from './http-client';
export * from './platform';
export * from './replica-watcher';
export * from './raw-http';
