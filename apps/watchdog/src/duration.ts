const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
const GO_DURATION = /^((\d+(\.\d*)?|\.\d+)(h|m|s|ms|us|µs|ns))+$/;
const PART = /(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|ns)/g;

/**
 * Reads a watchdog timeout the way OpenFaaS does: a bare integer is seconds, anything else a Go
 * duration (`1m5s`, `500ms`, `1.5h`). Returns milliseconds, or undefined when unreadable.
 */
export function parseDurationMs(raw: string): number | undefined {
  const value = raw.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  if (!GO_DURATION.test(value)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of value.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit];
  return Math.round(ms);
}

/** `1500` → `1.5s`, for log lines. */
export function formatDuration(ms: number): string {
  return ms === 0 ? '0 (none)' : `${ms / 1000}s`;
}
