import { ERROR_CODES, SkiffError } from '../errors';
import { MAX_REPLICAS } from '../openfaas/scale-service-request';
import { parseDurationMs } from '../duration';
import { memoryBytes } from '../resource-quantity';

/** The OpenFaaS scaling labels Skiff reads. */
export const SCALE_LABELS = {
  /** Fewest replicas; also the initial count at deploy. */
  min: 'com.openfaas.scale.min',
  /** Most replicas. */
  max: 'com.openfaas.scale.max',
  /** Percentage of max added per alert (0 disables alert scale-up). */
  factor: 'com.openfaas.scale.factor',
  /** `true`: scale to zero after `zero-duration` without calls. */
  zero: 'com.openfaas.scale.zero',
  /** Idle time before scaling to zero (Go duration). */
  zeroDuration: 'com.openfaas.scale.zero-duration',
  /** Load per replica the autoscaler aims for; absent = the default alert-like rule. */
  target: 'com.openfaas.scale.target',
  /** What `target` measures: `rps`, `capacity` (in-flight), `cpu` (millicores) or `memory` (bytes, or `N%` of limits.memory). */
  type: 'com.openfaas.scale.type',
  /** Fraction of `target` to aim for (headroom), 0 < p ≤ 1. */
  targetProportion: 'com.openfaas.scale.target-proportion',
  /** Scale-down stabilisation window (Go duration). */
  downWindow: 'com.openfaas.scale.down.window',
} as const;

/** Autoscaling load measures. */
export const SCALE_TYPES = ['rps', 'capacity', 'cpu', 'memory'] as const;

/** One of SCALE_TYPES. */
export type ScaleType = (typeof SCALE_TYPES)[number];

/** Defaults of every scaling label (historical OpenFaaS values for min/max/factor). */
export const SCALE_DEFAULTS = {
  /** `com.openfaas.scale.min`. */
  min: 1,
  /** `com.openfaas.scale.max`. */
  max: 20,
  /** `com.openfaas.scale.factor`. */
  factor: 20,
  /** `com.openfaas.scale.zero-duration`: 15 minutes. */
  zeroDurationMs: 15 * 60_000,
  /** `com.openfaas.scale.type`. */
  type: 'rps' as ScaleType,
  /** `com.openfaas.scale.target-proportion`. */
  targetProportion: 0.9,
} as const;

/** The scaling settings a deployment's labels carry (undefined when the label is absent). */
export interface ScaleSettings {
  /** `com.openfaas.scale.min`. */
  min?: number;
  /** `com.openfaas.scale.max`. */
  max?: number;
  /** `com.openfaas.scale.factor`. */
  factor?: number;
  /** `com.openfaas.scale.zero`. */
  zero?: boolean;
  /** `com.openfaas.scale.zero-duration`, in milliseconds. */
  zeroDurationMs?: number;
  /** `com.openfaas.scale.target` (bytes for type memory). */
  target?: number;
  /** Type memory: `com.openfaas.scale.target` given as `N%` of the function's limits.memory. */
  targetPercent?: number;
  /** `com.openfaas.scale.type`. */
  type?: ScaleType;
  /** `com.openfaas.scale.target-proportion`. */
  targetProportion?: number;
  /** `com.openfaas.scale.down.window`, in milliseconds. */
  downWindowMs?: number;
}

/** Settings with every default filled in (what the scaler works with). */
export interface EffectiveScaleSettings {
  /** Fewest replicas while the function is awake. */
  min: number;
  /** Most replicas. */
  max: number;
  /** Percentage of max per alert step. */
  factor: number;
  /** Scale to zero when idle. */
  zero: boolean;
  /** Idle time before scaling to zero. */
  zeroDurationMs: number;
  /** Autoscaling target per replica; undefined = default rule. */
  target?: number;
  /** What the target measures. */
  type: ScaleType;
  /** Fraction of target aimed for. */
  targetProportion: number;
  /** Scale-down stabilisation window; undefined = the scaler's default. */
  downWindowMs?: number;
}

type Labels = Record<string, string> | null | undefined;
/** The part of a deployment's limits scaling reads (a percentage memory target needs limits.memory). */
type Limits = { memory?: string } | null | undefined;

function wholeNumber(raw: string, min: number, max: number): number | undefined {
  const trimmed = raw.trim();
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : NaN;
  return Number.isSafeInteger(value) && value >= min && value <= max ? value : undefined;
}

/**
 * Reads and checks every scaling label. Unlike upstream (which silently falls back to defaults),
 * a bad value is a 400 naming the label, so a typo in stack.yml does not quietly deploy something
 * else. The one validation both the gateway and the provider call at deploy.
 */
export function parseScaleLabels(labels: Labels, limits?: Limits): ScaleSettings {
  const problems: string[] = [];
  const settings: ScaleSettings = {};
  const raw = (label: string): string | undefined => labels?.[label];
  const integer = (label: string, min: number, max: number, set: (v: number) => void): void => {
    const value = raw(label);
    if (value === undefined) return;
    const n = wholeNumber(value, min, max);
    if (n === undefined) problems.push(`labels.${label}: "${value}" must be a whole number from ${min} to ${max}`);
    else set(n);
  };
  const duration = (label: string, set: (ms: number) => void): void => {
    const value = raw(label);
    if (value === undefined) return;
    const ms = parseDurationMs(value);
    if (ms === undefined || ms <= 0) problems.push(`labels.${label}: "${value}" must be a positive duration such as 30s, 15m or 1h`);
    else set(ms);
  };

  integer(SCALE_LABELS.min, 0, MAX_REPLICAS, (v) => (settings.min = v));
  integer(SCALE_LABELS.max, 1, MAX_REPLICAS, (v) => (settings.max = v));
  integer(SCALE_LABELS.factor, 0, 100, (v) => (settings.factor = v));
  duration(SCALE_LABELS.zeroDuration, (v) => (settings.zeroDurationMs = v));
  duration(SCALE_LABELS.downWindow, (v) => (settings.downWindowMs = v));

  const zero = raw(SCALE_LABELS.zero);
  if (zero !== undefined) {
    const z = zero.trim().toLowerCase();
    if (z === 'true' || z === 'false') settings.zero = z === 'true';
    else problems.push(`labels.${SCALE_LABELS.zero}: "${zero}" must be true or false`);
  }
  const type = raw(SCALE_LABELS.type);
  if (type !== undefined) {
    const t = type.trim() as ScaleType;
    if ((SCALE_TYPES as readonly string[]).includes(t)) settings.type = t;
    else problems.push(`labels.${SCALE_LABELS.type}: "${type}" must be one of ${SCALE_TYPES.join(', ')}`);
  }
  parseTarget(raw(SCALE_LABELS.target), settings, limits, problems);
  const proportion = raw(SCALE_LABELS.targetProportion);
  if (proportion !== undefined) {
    const p = /^\d*\.?\d+$/.test(proportion.trim()) ? Number(proportion) : NaN;
    if (p > 0 && p <= 1) settings.targetProportion = p;
    else problems.push(`labels.${SCALE_LABELS.targetProportion}: "${proportion}" must be a number above 0 and at most 1`);
  }

  if (settings.min !== undefined && settings.max !== undefined && settings.min > settings.max) {
    problems.push(`labels.${SCALE_LABELS.min} (${settings.min}) must not exceed ${SCALE_LABELS.max} (${settings.max})`);
  }
  if (problems.length) throw new SkiffError(ERROR_CODES.invalidRequest, problems.join('; '));
  return settings;
}

/**
 * `com.openfaas.scale.target`: a whole number from 1 to 1,000,000; for type memory a byte quantity
 * (`134217728`, `128Mi`, `1G`) or `N%` of limits.memory (which must then be set).
 */
function parseTarget(value: string | undefined, settings: ScaleSettings, limits: Limits, problems: string[]): void {
  if (value === undefined) return;
  const label = `labels.${SCALE_LABELS.target}`;
  if (settings.type !== 'memory') {
    const n = wholeNumber(value, 1, 1_000_000);
    if (n === undefined) problems.push(`${label}: "${value}" must be a whole number from 1 to 1000000`);
    else settings.target = n;
    return;
  }
  const percent = /^\s*(\d{1,3})%\s*$/.exec(value);
  if (percent) {
    const p = Number(percent[1]);
    if (p < 1 || p > 100) problems.push(`${label}: "${value}" must be a percentage from 1% to 100% of limits.memory`);
    else if (limits !== undefined && !memoryBytes(limits?.memory ?? undefined))
      problems.push(`${label}: "${value}" is a percentage of limits.memory, so the function needs limits.memory (such as 128Mi)`);
    else settings.targetPercent = p;
    return;
  }
  const bytes = memoryBytes(value);
  if (bytes === undefined)
    problems.push(`${label}: "${value}" must be bytes (such as 67108864 or 64Mi) or a percentage of limits.memory (70%)`);
  else settings.target = bytes;
}

/** Replicas a new deployment starts with: scale.min when positive, else 1 (faas-netes). */
export function initialReplicas(settings: ScaleSettings): number {
  return settings.min !== undefined && settings.min > 0 ? settings.min : 1;
}

/**
 * The effective settings of a deployed function. Labels were validated at deploy; should a bad
 * value slip through (a record written by hand) the default applies instead of failing.
 */
export function effectiveScaleSettings(labels: Labels, limits?: Limits): EffectiveScaleSettings {
  let s: ScaleSettings;
  try {
    s = parseScaleLabels(labels);
  } catch {
    s = {};
  }
  const limitBytes = memoryBytes(limits?.memory ?? undefined);
  // A percentage target without a limit (a record written by hand) has no target: the default rule applies.
  if (s.targetPercent !== undefined) s.target = limitBytes ? Math.floor((limitBytes * s.targetPercent) / 100) : undefined;
  const max = s.max ?? Math.max(SCALE_DEFAULTS.max, s.min ?? 0);
  return {
    min: Math.min(s.min ?? SCALE_DEFAULTS.min, max),
    max,
    factor: s.factor ?? SCALE_DEFAULTS.factor,
    zero: s.zero ?? false,
    zeroDurationMs: s.zeroDurationMs ?? SCALE_DEFAULTS.zeroDurationMs,
    target: s.target,
    type: s.type ?? SCALE_DEFAULTS.type,
    targetProportion: s.targetProportion ?? SCALE_DEFAULTS.targetProportion,
    downWindowMs: s.downWindowMs,
  };
}

/** Fewest replicas of an awake function: scale.min, but at least 1. */
export function awakeMinimum(settings: EffectiveScaleSettings): number {
  return Math.max(1, settings.min);
}

/**
 * OpenFaaS's alert formula: firing → current + ceil(max / 100 × factor), capped
 * at max; resolved (or a zero step) → min.
 */
export function alertReplicas(current: number, firing: boolean, s: Pick<EffectiveScaleSettings, 'min' | 'max' | 'factor'>): number {
  const step = Math.ceil((s.max / 100) * s.factor);
  if (firing && step > 0) return Math.min(current + step, s.max);
  return s.min;
}
