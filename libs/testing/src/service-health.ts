/**
 * What a service's /healthz says: `serving` (200), `standby` (200 with `{"status":"standby"}`: a provider
 * or scaler waiting for the leader lease, not serving yet), or undefined (no answer, or not 200).
 * A test that starts a service waits for `serving`; a standby is not ready.
 */
export async function serviceHealth(baseUrl: string, timeoutMs = 2_000): Promise<'serving' | 'standby' | undefined> {
  const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(timeoutMs) }).catch(() => undefined);
  if (res?.status !== 200) return undefined;
  const body = (await res.json().catch(() => undefined)) as { status?: unknown } | undefined;
  return body?.status === 'standby' ? 'standby' : 'serving';
}
