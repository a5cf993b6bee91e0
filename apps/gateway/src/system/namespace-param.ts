import { ERROR_CODES, SkiffError, isDnsLabel } from '@skiff/contracts';

/**
 * The namespace of a `/system` request: the first non-empty candidate (body, then query), else
 * the default. A candidate that is not a DNS-1123 label is a 400.
 */
export function pickNamespace(defaultNamespace: string, ...candidates: unknown[]): string {
  for (const value of candidates) {
    if (value === undefined || value === null || value === '') continue;
    if (!isDnsLabel(value)) {
      throw new SkiffError(
        ERROR_CODES.invalidRequest,
        `namespace: (${String(value)}) is invalid, must be a valid DNS entry (lower-case letters, digits and "-", at most 63 characters)`,
      );
    }
    return value;
  }
  return defaultNamespace;
}

/** A function name from the URL path, checked. */
export function pathName(name: string): string {
  if (!isDnsLabel(name)) {
    throw new SkiffError(
      ERROR_CODES.invalidRequest,
      `name: (${name}) is invalid, must be a valid DNS entry (lower-case letters, digits and "-", at most 63 characters)`,
    );
  }
  return name;
}

/** The body as an object (or an empty one when there is none); anything else is a 400. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new SkiffError(ERROR_CODES.invalidRequest, 'request body must be a JSON object');
  return body as Record<string, unknown>;
}

/** Go clients omit an empty namespace, others send `""`: treat both as "not given". */
export function withoutEmptyNamespace<T>(body: T): T {
  if (!body || typeof body !== 'object' || Array.isArray(body) || (body as { namespace?: unknown }).namespace !== '') return body;
  const { namespace: _empty, ...rest } = body as Record<string, unknown>;
  return rest as T;
}
