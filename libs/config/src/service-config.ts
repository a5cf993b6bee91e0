import { useSubjectPrefix } from '@skiff/contracts/subjects';
import { JetStreamLimits, useJetStreamLimits } from './jetstream-limits.env';
import { EnvError } from './load-env';

type Loaders = Record<string, () => unknown>;

/**
 * A service's whole configuration, read once at start from every part it is made of (its own
 * variables, the JetStream quotas, the log stream…): every bad variable of every part is reported
 * in one EnvError, not the first part's alone.
 */
export function loadServiceConfig<T extends Loaders>(loaders: T): { [K in keyof T]: ReturnType<T[K]> } {
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  for (const [part, load] of Object.entries(loaders)) {
    try {
      config[part] = load();
    } catch (err) {
      if (err instanceof EnvError) problems.push(...err.problems);
      else problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  // The common variables (SKIFF_NATS_URL, SKIFF_SUBJECT_PREFIX…) belong to several parts: name them once.
  if (problems.length) throw new EnvError([...new Set(problems)]);
  return config as { [K in keyof T]: ReturnType<T[K]> };
}

/**
 * Sets the process-wide parts of a validated configuration, once, before any module is built: the
 * subject prefix of the `subjects` registry and the JetStream quotas every store opener applies.
 */
export function useProcessSettings(settings: { subjectPrefix: string; limits: JetStreamLimits }): void {
  useSubjectPrefix(settings.subjectPrefix);
  useJetStreamLimits(settings.limits);
}
