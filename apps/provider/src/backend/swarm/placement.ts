import { isIP } from 'node:net';

/**
 * Docker Swarm placement constraints (`docker service create --constraint`), checked as swarmkit
 * parses and matches them (manager/constraint/constraint.go): `<key> == <value>` or `<key> != <value>`,
 * `==` looked for first and the expression split at its first operator, spaces around key and value
 * ignored, key and value from swarmkit's character sets. Beyond what the Docker API itself refuses,
 * a key swarmkit does not know, or a `node.role` / `node.ip` value no node can have, is refused too:
 * Docker accepts those and then leaves every task pending ("no suitable node") for ever.
 */

const OPERATORS = ['==', '!='] as const;
/** swarmkit's `alphaNumeric`: a key. */
const KEY = /^[a-z_][a-z0-9\-_.]+$/i;
/** swarmkit's `valuePattern`: a value (no `<`, `>`, `~`, `=`, `!`, quotes…). */
const VALUE = /^[a-z0-9:\-_\s.*()?+[\]\\^$|/]+$/i;
/** Keys matched as they are (case-insensitively). */
const FIXED_KEYS = ['node.id', 'node.hostname', 'node.ip', 'node.role', 'node.platform.os', 'node.platform.arch'];
/** Keys followed by a label name. */
const LABEL_PREFIXES = ['node.labels.', 'engine.labels.'];
const ROLES = ['manager', 'worker'];

/** Why one constraint is refused, or undefined when swarm can place tasks by it. */
export function constraintProblem(expression: string): string | undefined {
  const shown = JSON.stringify(String(expression).slice(0, 200));
  if (typeof expression !== 'string') return `${shown}: a constraint is a string`;
  const op = OPERATORS.find((o) => expression.includes(o));
  if (!op) return `${shown}: expected <key> == <value> or <key> != <value> (e.g. node.labels.zone==east, node.role!=manager)`;
  const at = expression.indexOf(op);
  const key = expression.slice(0, at).trim();
  const value = expression.slice(at + op.length).trim();
  if (!KEY.test(key)) return `${shown}: invalid key ${JSON.stringify(key)}`;
  if (!VALUE.test(value)) return `${shown}: invalid value ${JSON.stringify(value)}`;
  const lower = key.toLowerCase();
  const prefix = LABEL_PREFIXES.find((p) => lower.startsWith(p));
  if (prefix) return lower.length > prefix.length ? undefined : `${shown}: ${prefix} needs a label name (${prefix}<name>)`;
  if (!FIXED_KEYS.includes(lower))
    return `${shown}: unknown key ${JSON.stringify(key)} (one of ${FIXED_KEYS.join(', ')}, node.labels.<name>, engine.labels.<name>)`;
  if (lower === 'node.role' && !ROLES.includes(value.toLowerCase())) return `${shown}: node.role is manager or worker`;
  if (lower === 'node.ip' && !isIpOrCidr(value)) return `${shown}: node.ip is an IP address or a CIDR range`;
  return undefined;
}

/** The problems of a function's constraints, one per refused constraint. */
export function constraintProblems(constraints: readonly string[] | null | undefined): string[] {
  return (constraints ?? []).map(constraintProblem).filter((p): p is string => p !== undefined);
}

function isIpOrCidr(value: string): boolean {
  const [address, bits, ...rest] = value.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}
