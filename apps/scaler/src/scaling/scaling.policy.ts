import { EffectiveScaleSettings, ScaleReason, alertReplicas, awakeMinimum } from '@skiff/contracts';

/** Timings and thresholds of the built-in rules. */
export interface PolicyConfig {
  /** Run the autoscaler rules (the idle rule always runs). */
  autoscale: boolean;
  /** Default rule: 2xx requests/s above which load is high. */
  rpsThreshold: number;
  /** Rate averaging window. */
  rateWindowMs: number;
  /** Default rule: high this long before the first step. */
  sustainMs: number;
  /** Default rule: time between steps while high. */
  stepIntervalMs: number;
  /** Default rule: low this long before going back to min. */
  cooldownMs: number;
  /** Target rules: scale-down stabilisation window unless the function sets one. */
  downWindowMs: number;
}

/** What the scaler measured about one function. */
export interface LoadSample {
  /** Completed calls per second (every status). */
  rps: number;
  /** Completed 2xx calls per second. */
  okRps: number;
  /** Calls in flight. */
  inflight: number;
  /** CPU of every replica together, millicores; undefined when not measured. */
  cpuMillicores?: number;
  /** Memory of every replica together, bytes; undefined when not measured. */
  memoryBytes?: number;
  /** Last call seen (ms since the epoch), 0 = never. */
  lastActiveAt: number;
}

/** A change of desired replicas and why. */
export interface Decision {
  /** New desired replicas. */
  replicas: number;
  /** Which rule. */
  reason: ScaleReason;
  /** What it saw. */
  detail: string;
  /** When the pressure that led to a scale-up began (for the decision-latency metric). */
  pressureSince?: number;
}

/** Per-function memory of the rules between ticks. */
export class ScalingState {
  /** Default rule: high load first seen. */
  aboveSince?: number;
  /** Default rule: low load first seen while firing. */
  belowSince?: number;
  /** Default rule: the "alert" is firing. */
  firing = false;
  /** Default rule: last step up. */
  lastStepAt = 0;
  /** Target rules: recent recommendations, for the scale-down window. */
  readonly recommendations: Array<{ at: number; desired: number }> = [];
  /** Target rules: when the recommendation first exceeded the current replicas. */
  pressureSince?: number;
  /** Last time the function was woken or scaled by hand (starts its idle clock). */
  awakeSince: number;

  constructor(now: number) {
    this.awakeSince = now;
  }

  /** Forgets rule memory after someone else changed the replicas (manual, alert, wake). */
  reset(now: number): void {
    this.aboveSince = this.belowSince = this.pressureSince = undefined;
    this.firing = false;
    this.recommendations.length = 0;
    this.awakeSince = now;
  }
}

/** The load a target rule measures, or undefined when it is not available. */
function targetLoad(settings: EffectiveScaleSettings, load: LoadSample): number | undefined {
  if (settings.type === 'capacity') return load.inflight;
  if (settings.type === 'cpu') return load.cpuMillicores;
  if (settings.type === 'memory') return load.memoryBytes;
  return load.rps;
}

/** A target rule on what only the provider measures (CPU, memory): the scaler asks it each tick. */
export function measuresUsage(settings: EffectiveScaleSettings): boolean {
  return settings.target !== undefined && (settings.type === 'cpu' || settings.type === 'memory');
}

/**
 * One function's decision for this tick, or undefined to leave it. Pure: the same inputs give
 * the same answer, so each rule is unit-tested without a clock.
 */
export function decide(
  current: number,
  settings: EffectiveScaleSettings,
  load: LoadSample,
  state: ScalingState,
  config: PolicyConfig,
  now: number,
): Decision | undefined {
  // Asleep: only a wake brings it back.
  if (current === 0) return undefined;

  if (settings.zero) {
    const idleFor = now - Math.max(load.lastActiveAt, state.awakeSince);
    if (load.inflight === 0 && idleFor >= settings.zeroDurationMs) {
      return {
        replicas: 0,
        reason: 'idle',
        detail: `no calls for ${Math.round(idleFor / 1000)} s (zero-duration ${Math.round(settings.zeroDurationMs / 1000)} s)`,
      };
    }
  }
  if (!config.autoscale || settings.min === settings.max) return undefined;
  const tick: Tick = { current, settings, load, state, config, now };
  return settings.target === undefined ? defaultRule(tick) : targetRule(tick);
}

/** What a rule decides on: one function at one tick. */
interface Tick {
  current: number;
  settings: EffectiveScaleSettings;
  load: LoadSample;
  state: ScalingState;
  config: PolicyConfig;
  now: number;
}

/** Like OpenFaaS's `APIHighInvocationRate` alert: steps up while high, back to min once it resolves. */
function defaultRule({ current, settings, load, state, config, now }: Tick): Decision | undefined {
  const rate = load.okRps;
  const shown = `${rate.toFixed(1)} req/s (threshold ${config.rpsThreshold})`;
  if (rate > config.rpsThreshold) {
    state.belowSince = undefined;
    state.aboveSince ??= now;
    if (now - state.aboveSince < config.sustainMs) return undefined;
    if (state.firing && now - state.lastStepAt < config.stepIntervalMs) return undefined;
    const pressureSince = state.firing ? state.lastStepAt : state.aboveSince;
    state.firing = true;
    state.lastStepAt = now;
    const replicas = alertReplicas(current, true, settings);
    return replicas > current ? { replicas, reason: 'autoscaler', detail: `high load: ${shown}`, pressureSince } : undefined;
  }
  state.aboveSince = undefined;
  if (!state.firing) return undefined;
  state.belowSince ??= now;
  if (now - state.belowSince < config.cooldownMs) return undefined;
  state.firing = false;
  state.belowSince = undefined;
  const replicas = awakeMinimum(settings);
  return replicas !== current ? { replicas, reason: 'autoscaler', detail: `load back to normal: ${shown}` } : undefined;
}

/** desired = ceil(load / (target × proportion)) within [min, max]; scale-down stabilised over a window. */
function targetRule({ current, settings, load, state, config, now }: Tick): Decision | undefined {
  const measured = targetLoad(settings, load);
  if (measured === undefined) return undefined;
  const target = settings.target! * settings.targetProportion;
  const raw = Math.ceil(measured / target);
  const desired = Math.min(settings.max, Math.max(awakeMinimum(settings), raw));
  const windowMs = settings.downWindowMs ?? config.downWindowMs;
  state.recommendations.push({ at: now, desired });
  while (state.recommendations.length && state.recommendations[0].at < now - windowMs) state.recommendations.shift();
  const shown = settings.type === 'memory' ? `${mebibytes(measured)} MiB` : measured.toFixed(1);
  const targetShown = settings.type === 'memory' ? `${mebibytes(settings.target!)} MiB` : String(settings.target);
  const detail = `${settings.type} ${shown} for target ${targetShown} × ${settings.targetProportion}`;
  if (desired > current) {
    const pressureSince = state.pressureSince ?? now;
    state.pressureSince = undefined;
    return { replicas: desired, reason: 'autoscaler', detail: `scale up: ${detail}`, pressureSince };
  }
  // Scale down only to the highest recommendation of the window (no flapping).
  const stable = Math.max(...state.recommendations.map((r) => r.desired));
  if (stable < current) return { replicas: stable, reason: 'autoscaler', detail: `scale down: ${detail}` };
  return undefined;
}

function mebibytes(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
