import { ERROR_CODES, MAX_REPLICAS, SkiffError } from '@skiff/contracts';

/** OpenFaaS scaling labels the provider reads or checks (reference §5.1). */
export const SCALE_LABELS = {
  /** Fewest replicas; also the initial count at deploy. */
  min: 'com.openfaas.scale.min',
  /** Most replicas. */
  max: 'com.openfaas.scale.max',
  /** Percentage of max added per alert. */
  factor: 'com.openfaas.scale.factor',
} as const;

/** Integer labels and the range each accepts. */
const RANGES: ReadonlyArray<[label: string, min: number, max: number]> = [
  [SCALE_LABELS.min, 0, MAX_REPLICAS],
  [SCALE_LABELS.max, 0, MAX_REPLICAS],
  [SCALE_LABELS.factor, 0, 100],
];

/** The scaling settings a deployment's labels carry (undefined when absent). */
export interface ScaleSettings {
  /** `com.openfaas.scale.min`. */
  min?: number;
  /** `com.openfaas.scale.max`. */
  max?: number;
  /** `com.openfaas.scale.factor`. */
  factor?: number;
}

/**
 * Reads the integer scaling labels. Unlike upstream (which silently falls back to defaults),
 * a value that is not a whole number in range is a 400 naming the label: a typo in stack.yml
 * should not quietly deploy something else.
 */
export function parseScaleLabels(labels: Record<string, string> | null | undefined): ScaleSettings {
  const problems: string[] = [];
  const values: Record<string, number | undefined> = {};
  for (const [label, min, max] of RANGES) {
    const raw = labels?.[label];
    if (raw === undefined) continue;
    const trimmed = raw.trim();
    const value = /^\d+$/.test(trimmed) ? Number(trimmed) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`labels.${label}: "${raw}" must be a whole number from ${min} to ${max}`);
      continue;
    }
    values[label] = value;
  }
  const settings: ScaleSettings = {
    min: values[SCALE_LABELS.min],
    max: values[SCALE_LABELS.max],
    factor: values[SCALE_LABELS.factor],
  };
  if (settings.min !== undefined && settings.max !== undefined && settings.max > 0 && settings.min > settings.max) {
    problems.push(`labels.${SCALE_LABELS.min} (${settings.min}) must not exceed ${SCALE_LABELS.max} (${settings.max})`);
  }
  if (problems.length) throw new SkiffError(ERROR_CODES.invalidRequest, problems.join('; '));
  return settings;
}

/** Replicas a new deployment starts with: scale.min when positive, else 1 (faas-netes). */
export function initialReplicas(settings: ScaleSettings): number {
  return settings.min !== undefined && settings.min > 0 ? settings.min : 1;
}
