// The provider's leadership: one active provider per prefix and backend (main.ts, bootstrapLeader).
// The interface and the NATS KV lease are shared with the scaler, so they live in @skiff/nats; a
// backend with a lease of its own (Kubernetes) adds its LeaderElector here and passes it to bootstrapLeader.
export { LeaderElector, NatsKvLeaderElector, KvLeaseOptions } from '@skiff/nats';
