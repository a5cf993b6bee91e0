const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

const PLAIN_NUMBER = /^\d+(\.\d+)?$/;
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|μs|ms|s|m|h))+$/;
const GO_PART = /(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/g;

/**
 * Parses an OpenFaaS duration: a Go duration (`15m`, `30s`, `1h30m`, `500ms`) or a bare number of
 * seconds, into milliseconds. Undefined when the text is neither (or missing).
 */
export function parseDurationMs(text: string | undefined): number | undefined {
  const s = text?.trim();
  if (!s) return undefined;
  if (PLAIN_NUMBER.test(s)) return Math.round(Number(s) * 1000);
  if (!GO_DURATION.test(s)) return undefined;
  let total = 0;
  for (const [, value, unit] of s.matchAll(GO_PART)) total += Number(value) * UNIT_MS[unit];
  return Math.round(total);
}
