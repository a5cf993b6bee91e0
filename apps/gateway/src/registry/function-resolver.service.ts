import { Inject, Injectable } from '@nestjs/common';
import { FunctionRecord, functionTimeoutMs } from '@skiff/contracts';
import { FunctionRegistryCache } from '@skiff/nats';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';

/** A registered function with what the gateway needs to call it. */
export interface ResolvedFunction {
  /** Function name. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** How long one call may take, in milliseconds. */
  readonly timeoutMs: number;
  /** The registry record it was derived from. */
  readonly record: FunctionRecord;
}

/**
 * Looks functions up in the local registry copy (no round trip). Derived values are computed
 * once per registry record: a record object is replaced, never mutated, when the function changes.
 */
@Injectable()
export class FunctionResolver {
  private readonly derived = new WeakMap<FunctionRecord, ResolvedFunction>();

  constructor(
    private readonly registry: FunctionRegistryCache,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** The function, or undefined when it is not registered. */
  resolve(namespace: string, name: string): ResolvedFunction | undefined {
    const record = this.registry.get(namespace, name);
    if (!record) return undefined;
    let fn = this.derived.get(record);
    if (!fn) {
      fn = { name, namespace, timeoutMs: functionTimeoutMs(record.spec, this.config.upstreamTimeoutMs), record };
      this.derived.set(record, fn);
    }
    return fn;
  }
}
