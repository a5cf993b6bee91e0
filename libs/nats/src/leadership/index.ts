export * from './leader-elector';
export * from './nats-kv-leader-elector';
