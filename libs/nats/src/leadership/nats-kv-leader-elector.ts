import { JSONCodec, KV, NatsConnection, nanos } from 'nats';
import { SubjectRegistry } from '@skiff/contracts/subjects';
import { isJetStreamError } from '../jetstream-errors';
import { adjustStream, openKvBucket } from '../stream-limits';
import { LeaderElector } from './leader-elector';

/** What a lease key holds: who holds it and since when (for operators and logs). */
export interface LeaseHolder {
  holder: string;
  since: string;
}

/** How a NatsKvLeaderElector campaigns. */
export interface KvLeaseOptions {
  /** Key in the leases bucket (`provider.local`, `scaler`). */
  key: string;
  /** Who this process is (service, host, pid, port): shown in the key's value. */
  holder: string;
  /** Lease time: the bucket's max age, so an unrenewed key disappears this long after its last write. */
  leaseMs: number;
  /** Told about renewals that failed (the lease is not lost yet). */
  warn?: (message: string) => void;
}

const json = JSONCodec<LeaseHolder>();

/**
 * A leader lease on a JetStream KV key, with revision checks: the leader renews it every fifth of
 * the lease time with `update(key, revision)`, a standby tries `create(key)`, which succeeds only
 * once the key is gone (deleted by a leader that stopped, or expired by the bucket's max age, which
 * the server measures). The leader steps down on its own when it could not renew for three quarters
 * of the lease: measured from when it sent its last successful renewal, which is before the server
 * stamped it, so it stops acting before any standby can take the key.
 */
export class NatsKvLeaderElector implements LeaderElector {
  private kv?: KV;
  private revision = 0;
  private leader = false;
  private lastRenewAt = 0;
  private since = '';
  private busy = false;
  private timer?: NodeJS.Timeout;
  private readonly listeners: Array<(leader: boolean) => void> = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: SubjectRegistry,
    private readonly options: KvLeaseOptions,
  ) {}

  get isLeader(): boolean {
    return this.leader;
  }

  onChange(cb: (leader: boolean) => void): void {
    this.listeners.push(cb);
  }

  async start(): Promise<void> {
    const { leaseMs } = this.options;
    const bucket = this.subjects.leasesBucket;
    // A request must not outlive the step-down deadline: JetStream API calls time out after a fifth of the lease.
    this.kv = await openKvBucket(this.nc, bucket, { ttl: leaseMs, max_bytes: 1024 * 1024 });
    await adjustStream(await this.nc.jetstreamManager(), `KV_${bucket}`, { max_age: nanos(leaseMs) });
    this.kv = await this.nc.jetstream({ timeout: Math.max(500, Math.floor(leaseMs / 5)) }).views.kv(bucket, { bindOnly: true });
    await this.tick();
    this.timer = setInterval(() => void this.tick(), Math.max(100, Math.floor(leaseMs / 5)));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    if (!this.leader || !this.kv) return;
    this.leader = false;
    await this.kv.delete(this.options.key, { previousSeq: this.revision }).catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.leader && Date.now() - this.lastRenewAt > this.options.leaseMs * 0.75)
      return this.change(false, 'the lease could not be renewed in time');
    if (this.busy || !this.kv) return;
    this.busy = true;
    const sentAt = Date.now();
    try {
      if (this.leader) {
        this.revision = await this.kv.update(this.options.key, this.value(), this.revision);
        this.lastRenewAt = sentAt;
      } else {
        this.since = new Date().toISOString();
        this.revision = await this.kv.create(this.options.key, this.value());
        this.lastRenewAt = sentAt;
        this.change(true);
      }
    } catch (err) {
      if (this.leader && isJetStreamError(err, 'wrongLastSequence')) this.change(false, 'another process took the lease');
      else if (this.leader) this.options.warn?.(`could not renew the leader lease: ${(err as Error).message}`);
      // A standby's create fails while someone holds the key: it tries again next tick.
    } finally {
      this.busy = false;
    }
  }

  private value(): Uint8Array {
    return json.encode({ holder: this.options.holder, since: this.since });
  }

  private change(leader: boolean, reason?: string): void {
    if (this.leader === leader) return;
    this.leader = leader;
    if (!leader) this.options.warn?.(`leadership lost: ${reason}`);
    for (const cb of this.listeners) cb(leader);
  }
}
