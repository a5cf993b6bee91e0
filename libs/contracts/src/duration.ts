const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

const PLAIN_SECONDS = /^\d+(\.\d+)?$/;
// Go's time.ParseDuration grammar without a sign: `.5s` and `1.s` are valid, both micro signs are.
const GO_DURATION = /^((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const GO_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;

/**
 * The platform's one duration parser (timeouts, scaling labels, retry annotations, CLI flags): a
 * plain number of seconds (`60`, `1.5`) or a Go duration (`1m5s`, `500ms`, `.5s`), into
 * milliseconds. Undefined when the text is neither, empty or missing; negative durations are not
 * accepted.
 */
export function parseDurationMs(text: string | undefined): number | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  if (PLAIN_SECONDS.test(value)) return Math.round(Number(value) * 1000);
  if (!GO_DURATION.test(value)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of value.matchAll(GO_PART)) ms += Number(amount) * UNIT_MS[unit];
  return Math.round(ms);
}
