import { loadJetStreamLimits, leaderLeaseMs, loadServiceConfig } from '@skiff/config';
import { logStreamOptions } from '@skiff/nats/log-stream';
import { bundleCacheEnv } from '../bundles/bundle-cache.env';
import { providerEnv } from './provider.env';

/** Every part of the provider's configuration, validated together at start (one message for every bad variable). */
export function providerStartup(env: NodeJS.ProcessEnv = process.env) {
  return loadServiceConfig({
    provider: () => providerEnv(env),
    bundleCache: () => bundleCacheEnv(env),
    logs: () => logStreamOptions(env),
    limits: () => loadJetStreamLimits(env),
    leaseMs: () => leaderLeaseMs(env),
  });
}

/** The provider's whole validated configuration, handed to AppModule.forRoot. */
export type ProviderStartup = ReturnType<typeof providerStartup>;
