import { loadJetStreamLimits, loadServiceConfig } from '@skiff/config';
import { connectorWebhookEnv } from './connector-webhook.env';

/** Every part of connector-webhook's configuration, validated together at start (one message for every bad variable). */
export function connectorWebhookStartup(env: NodeJS.ProcessEnv = process.env) {
  return loadServiceConfig({ webhook: () => connectorWebhookEnv(env), limits: () => loadJetStreamLimits(env) });
}
