import { hostname } from 'node:os';
import { NatsConnection } from 'nats';
import { EVENTS, FunctionRefLike, SkiffError, subjects } from '@skiff/contracts';
import {
  FunctionWaker,
  InvocationStats,
  InvokeClient,
  InvokeOptions,
  InvokeRequest,
  InvokeResponse,
  busWakeRequester,
} from '@skiff/invoke';
import { Bus, FunctionRegistryCache } from '@skiff/nats';

/**
 * The queue-worker's invoke client: scales functions from zero like the gateway does, and counts
 * every attempt into the per-second invocation aggregates (`evt.invocations`, kind `async`), so
 * the scaler sees async load and `invocationCount` includes async runs.
 */
export class MeteredInvokeClient extends InvokeClient {
  private readonly stats: InvocationStats;

  constructor(nc: NatsConnection, bus: Bus, registry: FunctionRegistryCache) {
    super(nc, subjects, new FunctionWaker(nc, subjects, busWakeRequester(bus, registry)));
    this.stats = new InvocationStats({
      source: `queue-worker:${hostname()}:${process.pid}`,
      kind: 'async',
      publish: (event) => bus.publish(EVENTS.invocations, event),
    });
    this.stats.start();
  }

  override async invoke(fn: FunctionRefLike, req: InvokeRequest, options: InvokeOptions): Promise<InvokeResponse> {
    const stats = this.stats.of(fn.namespace, fn.name);
    const started = performance.now();
    stats.began();
    try {
      const res = await super.invoke(fn, req, options);
      stats.ended(res.status, (performance.now() - started) / 1000);
      return res;
    } catch (err) {
      stats.ended(err instanceof SkiffError ? err.status : 502, (performance.now() - started) / 1000);
      throw err;
    }
  }

  /** Publishes what is left and stops the timer. */
  close(): void {
    this.stats.stop();
  }
}
