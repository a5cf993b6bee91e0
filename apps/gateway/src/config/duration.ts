const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PLAIN_NUMBER = /^\d+(\.\d+)?$/;
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|μs|ms|s|m|h))+$/;
const GO_PART = /(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/g;

/**
 * Parses an OpenFaaS duration: a plain number of seconds (`60`, `1.5`) or a Go duration
 * (`1m5s`, `500ms`, `2h45m`). Returns milliseconds, or undefined when the text is neither.
 */
export function parseDurationMs(text: string | undefined): number | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  if (PLAIN_NUMBER.test(value)) return Math.round(Number(value) * 1000);
  if (!GO_DURATION.test(value)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of value.matchAll(GO_PART)) ms += Number(amount) * UNIT_MS[unit];
  return Math.round(ms);
}
