import { DNS_LABEL_MAX, isDnsLabel } from '@skiff/contracts/names';

/** The parts of `/function/<name>[.<namespace>][/<path>][?<query>]`. */
export interface FunctionUrl {
  /** `name` or `name.namespace` as written. */
  ref: string;
  /** Path below the function, `/` when none. */
  path: string;
  /** Raw query without `?`, empty when none. */
  query: string;
}

/** Splits a raw request URL that starts with `prefix` (plain index arithmetic: this runs on every call). */
export function splitFunctionUrl(url: string, prefix = '/function/'): FunctionUrl {
  const start = prefix.length;
  let end = url.indexOf('?', start);
  const query = end < 0 ? '' : url.slice(end + 1);
  if (end < 0) end = url.length;
  let slash = url.indexOf('/', start);
  if (slash < 0 || slash > end) slash = end;
  return {
    ref: url.slice(start, slash),
    path: slash < end ? url.slice(slash, end) : '/',
    query,
  };
}

/** Why `part` is not a DNS-1123 label (only called on the error path). */
function labelProblem(kind: string, part: string): string | undefined {
  if (!part) return `${kind} is empty`;
  if (part.length > DNS_LABEL_MAX) return `${kind} "${part}" is longer than ${DNS_LABEL_MAX} characters`;
  if (isDnsLabel(part)) return undefined;
  return `${kind} "${part}" is not a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit)`;
}

/** The reason a function reference (`name[.namespace]`) is invalid. */
export function describeRefProblem(ref: string): string {
  const dot = ref.lastIndexOf('.');
  const problem =
    dot < 0
      ? labelProblem('function name', ref)
      : (labelProblem('function name', ref.slice(0, dot)) ?? labelProblem('namespace', ref.slice(dot + 1)));
  return `invalid function reference "${ref}": ${problem ?? 'unknown problem'}`;
}

/**
 * The answer for a path that cannot name a function (`/function/.openfaas-fn`, `/function/Bad_Name`):
 * the OpenFaaS gateway finds no such function and answers 404, so Skiff does too, with the reason.
 */
export function invalidRefNotFound(ref: string): string {
  return `function not found: ${ref} (${describeRefProblem(ref)})`;
}
