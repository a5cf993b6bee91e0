import { Counter, Gauge, Registry } from 'prom-client';
import { ReplicaState } from './local/function-supervisor';

/** The provider's replica metrics, on the service's registry. */
export class BackendMetrics {
  /** `skiff_provider_replica_starts_total{function_name}`. */
  readonly starts: Counter<'function_name'>;
  /** `skiff_provider_replica_exits_total{function_name,reason}`. */
  readonly exits: Counter<'function_name' | 'reason'>;
  /** `skiff_provider_replicas{function_name,state}`, computed on scrape. */
  readonly replicas: Gauge<'function_name' | 'state'>;

  constructor(registry: Registry, snapshot: () => Iterable<[functionName: string, states: Record<ReplicaState, number>]>) {
    this.starts = new Counter({
      name: 'skiff_provider_replica_starts_total',
      help: 'Replica processes started, per function',
      labelNames: ['function_name'],
      registers: [registry],
    });
    this.exits = new Counter({
      name: 'skiff_provider_replica_exits_total',
      help: 'Replica processes that ended, per function and reason (stopped, killed, crashed, exited, spawn_failed)',
      labelNames: ['function_name', 'reason'],
      registers: [registry],
    });
    this.replicas = new Gauge({
      name: 'skiff_provider_replicas',
      help: 'Replica processes per function and state (starting, ready, draining, stopping)',
      labelNames: ['function_name', 'state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [fn, states] of snapshot()) {
          for (const [state, count] of Object.entries(states)) this.set({ function_name: fn, state }, count);
        }
      },
    });
  }
}
