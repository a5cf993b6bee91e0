import { loadJetStreamLimits, loadServiceConfig } from '@skiff/config';
import { queueWorkerConfig } from './queue-worker.config';

/** Every part of the queue-worker's configuration, validated together at start (one message for every bad variable). */
export function queueWorkerStartup(env: NodeJS.ProcessEnv = process.env) {
  return loadServiceConfig({ worker: () => queueWorkerConfig(env), limits: () => loadJetStreamLimits(env) });
}
