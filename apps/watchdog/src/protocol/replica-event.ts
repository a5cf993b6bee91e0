import { closeSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { ReplicaEvent } from '@skiff/contracts/messages/replica.event';
import type { WatchdogConfig } from '../config';

/** The `replica.ready` / `replica.gone` event of this replica (with its start-up timings when ready). */
export function encodeReplicaEvent(config: WatchdogConfig, startup?: ReplicaEvent['startup']): Uint8Array {
  const event: ReplicaEvent = {
    name: config.functionName,
    namespace: config.namespace,
    instance: config.instance,
    pid: config.hostPid,
    host: hostname(),
    uptimeMs: Math.round(performance.now()),
  };
  if (startup) event.startup = startup;
  return Buffer.from(JSON.stringify(event));
}

/** Reads an inherited descriptor (the replica's NATS credentials) to its end and closes it. */
export function readDescriptor(fd: number): Buffer {
  try {
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
