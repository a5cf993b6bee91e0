/** Binary and decimal suffixes of Kubernetes quantities. */
const MULTIPLIERS: Record<string, number> = {
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** `resource.Quantity`'s grammar: a number, then a binary or decimal suffix or a decimal exponent. */
const QUANTITY = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+)|([KMGTPE]i|[numkKMGTPE]))?$/;
const FRACTIONS: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3 };

/** A quantity split into its value and suffix; undefined when it is not one (negatives are not). */
function parse(quantity: string | undefined): { value: number; suffix: string } | undefined {
  const m = QUANTITY.exec(quantity?.trim() ?? '');
  if (!m) return undefined;
  const suffix = m[3] ?? '';
  const value = Number(m[1]) * 10 ** Number(m[2] ?? 0) * (MULTIPLIERS[suffix] ?? FRACTIONS[suffix]);
  return Number.isFinite(value) ? { value, suffix } : undefined;
}

/**
 * The value of a Kubernetes quantity in its base unit (bytes, cores): `123Mi`, `456Ki`, `250m`,
 * `12345n`, `1e3`, `0`, as metrics.k8s.io writes usage; undefined when it is not a quantity.
 */
export function quantityValue(quantity: string | undefined): number | undefined {
  return parse(quantity)?.value;
}

/** Bytes of a memory limit (`128Mi`, `1G`, `1e9`, `512`); undefined when it is not one (or not a whole byte). */
export function memoryBytes(quantity: string | undefined): number | undefined {
  const q = parse(quantity);
  if (!q || q.suffix in FRACTIONS) return undefined;
  const bytes = Math.floor(q.value);
  return bytes > 0 ? bytes : undefined;
}

/** Millicores of a CPU limit (`100m`, `0.5`, `2`); undefined when it is not one. */
export function cpuMillis(quantity: string | undefined): number | undefined {
  const q = parse(quantity);
  if (!q || (q.suffix !== '' && q.suffix !== 'm')) return undefined;
  const millis = Math.round(q.value * 1000);
  return millis > 0 ? millis : undefined;
}
