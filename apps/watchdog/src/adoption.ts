import { readDescriptor } from './protocol/replica-event';

/**
 * What the provider sends a pooled watchdog when it gives it a function: the replica's whole
 * environment (as a fresh launch would have had it) and the data it would have read from inherited
 * descriptors, base64, by the variable that would have named the descriptor (`SKIFF_NATS_CREDS_FD`).
 */
export interface AdoptionMessage {
  env: Record<string, string>;
  data?: Record<string, string>;
}

/** Variable naming the descriptor a pooled watchdog reads its adoption message from (`SKIFF_POOLED=1`). */
export const ADOPT_FD_ENV = 'SKIFF_ADOPT_FD';

/** Set by the sandbox wrapper before exec: the only variable of the pooled launch that survives adoption. */
const KEPT = ['SKIFF_REPLICA_PID'];

/**
 * Waits (blocking: a pooled watchdog has nothing else to do) for its adoption message, then makes
 * the message's environment the process's whole environment. Returns the in-memory descriptor data;
 * undefined when the provider closed the descriptor without adopting (it went away, or the pool is closing).
 */
export function awaitAdoption(env: NodeJS.ProcessEnv = process.env): Map<string, Buffer> | undefined {
  const fd = Number(env[ADOPT_FD_ENV]);
  if (!Number.isInteger(fd) || fd <= 2) throw new Error(`${ADOPT_FD_ENV} "${env[ADOPT_FD_ENV]}" must be a file descriptor number above 2`);
  const text = readDescriptor(fd).toString();
  if (!text) return undefined;
  const message = JSON.parse(text) as AdoptionMessage;
  if (!message || typeof message.env !== 'object') throw new Error('adoption message without an environment');
  const kept = Object.fromEntries(KEPT.filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
  for (const key of Object.keys(env)) delete env[key];
  Object.assign(env, message.env, kept);
  return new Map(Object.entries(message.data ?? {}).map(([name, b64]) => [name, Buffer.from(b64, 'base64')]));
}
