import { IsInt, Max, Min } from 'class-validator';
import { loadEnv } from './load-env';

/** Environment of the services that run one active instance (provider, scaler) with standbys. */
export class LeaderLeaseEnv {
  /**
   * Lease time of the leader: a standby takes over at most this long after the leader's last
   * renewal (plus its own start). Shorter takes over faster but lets a slow bus step a healthy
   * leader down; give every instance the same value.
   */
  @IsInt({ message: 'SKIFF_LEADER_LEASE_MS must be a whole number of milliseconds' })
  @Min(1000)
  @Max(120_000)
  SKIFF_LEADER_LEASE_MS: number = 5000;
}

/** Validates SKIFF_LEADER_LEASE_MS (throws EnvError naming it when bad). */
export function leaderLeaseMs(env: NodeJS.ProcessEnv): number {
  return loadEnv(LeaderLeaseEnv, env).SKIFF_LEADER_LEASE_MS;
}
