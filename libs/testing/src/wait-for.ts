/** Polls `probe` until it returns a truthy value or `timeoutMs` passes; throws with `what` on time-out. */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Something whose output explains a failed wait (a Platform: its services' logs). */
export interface HasLogs {
  logs(): string;
}

/**
 * waitFor that adds the services' output (its tail, `tailChars`) and anything `context` describes
 * (a page's text, say) to the failure.
 */
export async function waitWithLogs<T>(
  source: HasLogs,
  what: string,
  probe: () => T | Promise<T>,
  options: { timeoutMs: number; intervalMs?: number; tailChars?: number; context?: () => Promise<string> },
): Promise<NonNullable<T>> {
  try {
    return await waitFor(what, probe, options.timeoutMs, options.intervalMs ?? 200);
  } catch (err) {
    const context = options.context ? await options.context().catch(() => '') : '';
    const tail = source.logs().slice(-(options.tailChars ?? 12_000));
    throw new Error(`${(err as Error).message}${context}\n--- service output (tail) ---\n${tail}`);
  }
}
