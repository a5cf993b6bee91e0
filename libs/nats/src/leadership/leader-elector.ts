/**
 * Decides which one of several identical processes acts (the provider per prefix and backend, the
 * scaler): the others stand by until the leader is gone. Implementations: a NATS KV lease
 * (NatsKvLeaderElector), a Kubernetes Lease on that backend.
 */
export interface LeaderElector {
  /** Starts campaigning: resolves once the first attempt to take the lease is answered (leader or not). */
  start(): Promise<void>;
  /** Stops campaigning and gives the lease up when held (a standby takes over at once); listeners are not called. */
  stop(): Promise<void>;
  /** True while this process holds the lease. */
  readonly isLeader: boolean;
  /** Called on every change: true when the lease was taken, false when it was lost (another took it, or it could not be renewed in time). */
  onChange(cb: (leader: boolean) => void): void;
}
