import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The scaler's own metrics, on the service's registry. */
export class ScalerMetrics {
  /** `skiff_scaler_decisions_total{function_name,reason,direction}`: every change of desired replicas. */
  readonly decisions: Counter<'function_name' | 'reason' | 'direction'>;
  /** `skiff_scaler_decision_failures_total{function_name,reason}`: changes the provider refused or missed. */
  readonly failures: Counter<'function_name' | 'reason'>;
  /** `skiff_scaler_decision_delay_seconds`: from sustained pressure to the scale-up decision. */
  readonly delay: Histogram;
  /** `skiff_scaler_alerts_total{status,outcome}`: AlertManager alerts received. */
  readonly alerts: Counter<'status' | 'outcome'>;
  /** `skiff_scaler_wakes_total{function_name}`: scale-from-zero requests that changed replicas. */
  readonly wakes: Counter<'function_name'>;

  /** Per-function values the gauges show, computed on scrape. */
  snapshot: () => Iterable<{ fn: string; desired: number; rps: number; inflight: number }> = () => [];

  constructor(registry: Registry) {
    const registers = [registry];
    const snapshot = () => this.snapshot();
    this.decisions = new Counter({
      name: 'skiff_scaler_decisions_total',
      help: 'Changes of desired replicas, per function, reason (manual, alert, autoscaler, idle, wake) and direction (up, down)',
      labelNames: ['function_name', 'reason', 'direction'],
      registers,
    });
    this.failures = new Counter({
      name: 'skiff_scaler_decision_failures_total',
      help: 'Scale decisions that could not be applied, per function and reason',
      labelNames: ['function_name', 'reason'],
      registers,
    });
    this.delay = new Histogram({
      name: 'skiff_scaler_decision_delay_seconds',
      help: 'Time from the start of sustained pressure to the autoscaler scale-up decision',
      buckets: [0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120],
      registers,
    });
    this.alerts = new Counter({
      name: 'skiff_scaler_alerts_total',
      help: 'AlertManager alerts received, per status and outcome (scaled, unchanged, unknown_function, failed)',
      labelNames: ['status', 'outcome'],
      registers,
    });
    this.wakes = new Counter({
      name: 'skiff_scaler_wakes_total',
      help: 'Scale-from-zero requests that started replicas, per function',
      labelNames: ['function_name'],
      registers,
    });
    const desired = new Gauge({
      name: 'skiff_scaler_desired_replicas',
      help: 'Desired replicas per function, as the registry says',
      labelNames: ['function_name'],
      registers,
      collect() {
        this.reset();
        for (const s of snapshot()) this.set({ function_name: s.fn }, s.desired);
      },
    });
    void desired;
    new Gauge({
      name: 'skiff_scaler_load_rps',
      help: 'Completed calls per second per function, over the rate window, from every gateway and queue-worker',
      labelNames: ['function_name'],
      registers,
      collect() {
        this.reset();
        for (const s of snapshot()) this.set({ function_name: s.fn }, s.rps);
      },
    });
    new Gauge({
      name: 'skiff_scaler_load_inflight',
      help: 'Calls in flight per function, from every gateway and queue-worker',
      labelNames: ['function_name'],
      registers,
      collect() {
        this.reset();
        for (const s of snapshot()) this.set({ function_name: s.fn }, s.inflight);
      },
    });
  }
}
