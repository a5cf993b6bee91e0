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

/** Bytes of a memory quantity (`128Mi`, `1G`, `1e9`, `512`); undefined when it is not one. */
export function memoryBytes(quantity: string | undefined): number | undefined {
  if (!quantity) return undefined;
  const m = /^([0-9]+(?:\.[0-9]+)?)(?:[eE]([0-9]+))?([KMGTPE]i|[kKMGTPE])?$/.exec(quantity.trim());
  if (!m) return undefined;
  const bytes = Number(m[1]) * 10 ** Number(m[2] ?? 0) * MULTIPLIERS[m[3] ?? ''];
  return Number.isFinite(bytes) && bytes > 0 ? Math.floor(bytes) : undefined;
}

/** Millicores of a CPU quantity (`100m`, `0.5`, `2`); undefined when it is not one. */
export function cpuMillis(quantity: string | undefined): number | undefined {
  if (!quantity) return undefined;
  const q = quantity.trim();
  const milli = /^([0-9]+)m$/.exec(q);
  const millis = milli ? Number(milli[1]) : /^[0-9]+(\.[0-9]+)?$/.test(q) ? Math.round(Number(q) * 1000) : NaN;
  return Number.isFinite(millis) && millis > 0 ? millis : undefined;
}
