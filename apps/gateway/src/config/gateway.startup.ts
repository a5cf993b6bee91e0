import { loadJetStreamLimits, loadAdminCredentials, loadServiceConfig } from '@skiff/config';
import { logStreamOptions } from '@skiff/nats/log-stream';
import { asyncConfig } from '../async/async.env';
import { bundlesEnv } from '../bundles/bundles.env';
import { gatewayConfig } from './gateway.config';

/** Every part of the gateway's configuration, validated together at start (one message for every bad variable). */
export function gatewayStartup(env: NodeJS.ProcessEnv = process.env) {
  return loadServiceConfig({
    gateway: () => gatewayConfig(env),
    async: () => asyncConfig(env),
    bundles: () => bundlesEnv(env),
    logs: () => logStreamOptions(env),
    limits: () => loadJetStreamLimits(env),
    admin: () => loadAdminCredentials(env),
  });
}

/** The gateway's whole validated configuration, handed to AppModule.forRoot. */
export type GatewayStartup = ReturnType<typeof gatewayStartup>;
