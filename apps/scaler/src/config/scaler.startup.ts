import { loadJetStreamLimits, leaderLeaseMs, loadServiceConfig } from '@skiff/config';
import { scalerEnv } from './scaler.env';

/** Every part of the scaler's configuration, validated together at start (one message for every bad variable). */
export function scalerStartup(env: NodeJS.ProcessEnv = process.env) {
  return loadServiceConfig({
    scaler: () => scalerEnv(env),
    limits: () => loadJetStreamLimits(env),
    leaseMs: () => leaderLeaseMs(env),
  });
}
