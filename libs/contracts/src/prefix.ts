/** Default subject prefix, as in the design (`faas.invoke...`). */
export const DEFAULT_SUBJECT_PREFIX = 'faas';

/** A prefix is one NATS token that is also valid in stream, bucket and consumer names. */
export const SUBJECT_PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** Reads and checks `SKIFF_SUBJECT_PREFIX`; throws with the reason when it is unusable. */
export function resolveSubjectPrefix(env: NodeJS.ProcessEnv): string {
  const prefix = env.SKIFF_SUBJECT_PREFIX?.trim() || DEFAULT_SUBJECT_PREFIX;
  if (!SUBJECT_PREFIX_PATTERN.test(prefix)) {
    throw new Error(`SKIFF_SUBJECT_PREFIX "${prefix}" is invalid: use 1-32 characters from A-Z, a-z, 0-9, "_" and "-"`);
  }
  return prefix;
}
