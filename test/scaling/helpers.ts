import { spawnSync } from 'node:child_process';
import type { FunctionStatus } from '@skiff/contracts/openfaas/function-status';
import { HttpClient, Platform, waitFor } from '@skiff/testing';

/** Scaler timings shortened so each behaviour shows in seconds (same rules, smaller windows). */
export const FAST_SCALER_ENV: Record<string, string> = {
  SKIFF_SCALER_INTERVAL_MS: '500',
  SKIFF_SCALER_RATE_WINDOW_MS: '5000',
  SKIFF_SCALER_SUSTAIN_MS: '2000',
  SKIFF_SCALER_STEP_INTERVAL_MS: '3000',
  SKIFF_SCALER_COOLDOWN_MS: '6000',
  SKIFF_SCALER_DOWN_WINDOW_MS: '3000',
};

/** One function's status, or undefined when the gateway does not answer 200. */
export async function status(gw: HttpClient, name: string): Promise<FunctionStatus | undefined> {
  const reply = await gw.get(`/system/function/${name}`);
  return reply.status === 200 ? reply.json<FunctionStatus>() : undefined;
}

/** waitFor that appends the services' output to the failure. */
export async function eventually<T>(
  platform: Platform,
  what: string,
  probe: () => T | Promise<T>,
  timeoutMs = 60_000,
): Promise<NonNullable<T>> {
  try {
    return await waitFor(what, probe, timeoutMs, 200);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- service output (tail) ---\n${platform.logs().slice(-12_000)}`);
  }
}

/**
 * Sends about `rps` calls per second until stop() is called: open loop (a call starts every 1/rps s
 * whether or not the previous one finished, at most 20 in flight), so a slow machine does not
 * quietly lower the rate.
 */
export function steadyLoad(
  gw: HttpClient,
  path: string,
  rps: number,
): { stop(): Promise<number>; failures: () => number; answered: () => number } {
  let running = true;
  let sent = 0;
  let failed = 0;
  let answered = 0;
  const inflight = new Set<Promise<void>>();
  const gap = 1000 / rps;
  const loop = (async () => {
    const start = Date.now();
    while (running) {
      if (inflight.size < 20) {
        const call: Promise<void> = gw
          .post(path, 'x')
          .then((reply) => {
            if (reply.status !== 200) failed++;
            else answered++;
          })
          .catch(() => {
            failed++;
          })
          .finally(() => inflight.delete(call));
        inflight.add(call);
      }
      sent++;
      const wait = start + sent * gap - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(inflight);
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return sent;
    },
    failures: () => failed,
    answered: () => answered,
  };
}

/** The value of one sample of a Prometheus text exposition (undefined when absent). */
export function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inner = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => inner.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Runs `promtool check metrics` on an exposition; returns its complaints ('' when clean). */
export function promtoolProblems(text: string): string {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (run.error) throw new Error(`promtool is not installed (apt-get install prometheus): ${run.error.message}`);
  return run.status === 0 ? '' : `${run.stdout}${run.stderr}`.trim() || `exit ${run.status}`;
}
