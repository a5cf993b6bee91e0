export * from './base.env';
export * from './load-env';
export * from './env-bool';
export * from './admin-credentials';
export * from './async-retention.env';
export * from './jetstream-limits.env';
export * from './readable-file';
export * from './leader-lease.env';
