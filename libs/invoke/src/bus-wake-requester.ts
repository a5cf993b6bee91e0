import { ERROR_CODES, FunctionRefLike, RPC, SkiffError, WakeResult, awakeMinimum, effectiveScaleSettings } from '@skiff/contracts';
import { isNoResponder } from '@skiff/nats';
import type { Bus, FunctionRegistryCache } from '@skiff/nats';
import type { WakeRequester } from './function-waker';

/** True when the service asked is missing or too slow (as opposed to a refusal). */
function unavailable(err: unknown): boolean {
  return err instanceof SkiffError && err.code === ERROR_CODES.unavailable.code;
}

/**
 * The WakeRequester of services on the typed bus: asks the scaler (`scaler.wake`). When no scaler
 * runs at all, scaling from zero still works: the function is scaled to its minimum directly
 * through the provider, with reason `wake`. When the function's replicas are wanted already but no
 * provider answers (the leader died and a standby is taking over, which starts them), the call
 * waits for a replica until its own deadline instead of failing at once.
 */
export function busWakeRequester(bus: Bus, registry: FunctionRegistryCache): WakeRequester {
  return async (fn: FunctionRefLike, timeoutMs: number): Promise<WakeResult> => {
    const ref = { name: fn.name, namespace: fn.namespace };
    const awaitTakeover = (err: unknown): WakeResult => {
      const wanted = registry.get(fn.namespace, fn.name)?.replicas ?? 0;
      if (wanted > 0 && unavailable(err)) return { replicas: wanted, availableReplicas: 0 };
      throw err;
    };
    try {
      return await bus.request(RPC.scalerWake, ref, { timeoutMs });
    } catch (err) {
      if (!isNoResponder(err)) return awaitTakeover(err);
    }
    const record = registry.get(fn.namespace, fn.name);
    if (!record) throw new SkiffError(ERROR_CODES.functionNotFound, `function: ${fn.name}.${fn.namespace} not found`);
    if (record.replicas > 0) {
      // Replicas are wanted already (starting, or crashing): the provider says whether any is ready.
      const status = await bus.request(RPC.functionGet, ref, { timeoutMs }).catch(awaitTakeover);
      return { replicas: status.replicas ?? 0, availableReplicas: status.availableReplicas ?? 0 };
    }
    const replicas = awakeMinimum(effectiveScaleSettings(record.spec.labels));
    const status = await bus.request(RPC.functionScale, { ...ref, replicas, reason: 'wake' }, { timeoutMs });
    return { replicas: status.replicas ?? 0, availableReplicas: status.availableReplicas ?? 0 };
  };
}
