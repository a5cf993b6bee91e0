import { ERROR_CODES, SkiffError } from '@skiff/contracts/errors';
import { isDnsLabel } from '@skiff/contracts/names';

/** A checked `/system/logs` request. */
export interface LogQuery {
  /** Function name. */
  name: string;
  /** Namespace (the gateway's default when not given). */
  namespace: string;
  /** One replica only, when given. */
  instance?: string;
  /** Lines from this time on. */
  since?: Date;
  /** At most this many history lines (the last ones); undefined = all. */
  tail?: number;
  /** Keep streaming new lines until the client goes. */
  follow: boolean;
}

/** Go's RFC 3339 (time.RFC3339 accepts fractional seconds when parsing). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
/** strconv.Atoi. */
const INTEGER = /^[+-]?\d{1,15}$/;
/** strconv.ParseBool. */
const BOOLS: Record<string, boolean> = {
  '1': true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
};

function invalid(reason: string): SkiffError {
  return new SkiffError(ERROR_CODES.logRequestInvalid, `could not parse the log request: ${reason}`);
}

/** A repeated parameter: the last value wins, as in OpenFaaS. */
function last(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[value.length - 1] : value;
  return v === undefined || v === null ? undefined : String(v);
}

/** Reads the query string of `/system/logs`; throws a 422 SkiffError naming the bad parameter. */
export function parseLogQuery(query: Record<string, unknown>, defaultNamespace: string): LogQuery {
  const name = last(query.name);
  if (!name) throw invalid('name is required');
  if (!isDnsLabel(name)) throw invalid(`name "${name}" is not a valid function name`);
  const ns = last(query.namespace);
  const namespace = ns ? ns : defaultNamespace;
  if (!isDnsLabel(namespace)) throw invalid(`namespace "${namespace}" is not a valid namespace`);
  const instance = last(query.instance) || undefined;
  if (instance !== undefined && (instance.length > 253 || /[\s*>.]/.test(instance)))
    throw invalid(`instance "${instance}" is not a replica id`);

  let since: Date | undefined;
  const rawSince = last(query.since);
  if (rawSince) {
    const ms = RFC3339.test(rawSince) ? Date.parse(rawSince) : NaN;
    if (Number.isNaN(ms)) throw invalid(`since "${rawSince}" is not an RFC 3339 time such as 2024-05-01T10:00:00Z`);
    since = new Date(ms);
  }

  let tail: number | undefined;
  const rawTail = last(query.tail);
  if (rawTail !== undefined && rawTail !== '') {
    if (!INTEGER.test(rawTail)) throw invalid(`tail "${rawTail}" is not a whole number`);
    const n = Number(rawTail);
    tail = n > 0 ? n : undefined;
  }

  let follow = false;
  const rawFollow = last(query.follow);
  if (rawFollow !== undefined && rawFollow !== '') {
    if (!(rawFollow in BOOLS)) throw invalid(`follow "${rawFollow}" is not a boolean (true, false, 1, 0)`);
    follow = BOOLS[rawFollow];
  }
  return { name, namespace, instance, since, tail, follow };
}
