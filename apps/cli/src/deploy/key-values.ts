import { parseDurationMs } from '@skiff/contracts/duration';
import { usageError } from '../cli-error';

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `K=V` flags into a map (later wins); `flag` names the option in errors. */
export function keyValues(values: string[] | undefined, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of values ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw usageError(`${flag} ${item} must be KEY=VALUE`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** `-H "Name: value"` or `Name=value` into headers. */
export function headerValues(values: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of values ?? []) {
    const m = /^([^:=\s]+)\s*[:=]\s*(.*)$/.exec(item);
    if (!m) throw usageError(`header ${item} must be "Name: value" or Name=value`);
    out[m[1]] = m[2];
  }
  return out;
}

/** A duration flag (`30s`, `1m30s`, `500ms`, plain seconds) in milliseconds: the platform's one grammar. */
export function durationMs(value: string, flag: string): number {
  const ms = parseDurationMs(value);
  if (ms === undefined) throw usageError(`${flag} ${value} is not a duration (e.g. 30s, 1m30s, 500ms)`);
  return ms;
}
