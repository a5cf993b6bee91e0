export * from './logger';
export * from './metrics';
export * from './health.service';
export * from './observability.tokens';
export * from './observability.module';
export * from './bootstrap';
export * from './request-target';
export * from './metrics-server';
