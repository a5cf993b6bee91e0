export * from './nats.tokens';
export * from './nats-options';
export * from './bus.service';
export * from './nats.module';
export * from './function-registry';
export * from './async-store';
export * from './log-stream';
