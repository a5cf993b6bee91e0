export * from './test-env';
export * from './wait-for';
export * from './service-process';
