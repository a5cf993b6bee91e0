import { loadJetStreamLimits, loadServiceConfig } from '@skiff/config';
import { connectorCronEnv } from './connector-cron.env';

/** Every part of connector-cron's configuration, validated together at start (one message for every bad variable). */
export function connectorCronStartup(env: NodeJS.ProcessEnv = process.env) {
  return loadServiceConfig({ cron: () => connectorCronEnv(env), limits: () => loadJetStreamLimits(env) });
}
