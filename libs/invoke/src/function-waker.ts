import { NatsConnection } from 'nats';
import { ERROR_CODES, FunctionRefLike, SkiffError, SubjectRegistry, WakeResult } from '@skiff/contracts';

/** Asks the scaler to scale a function from zero (`scaler.wake`). */
export type WakeRequester = (fn: FunctionRefLike, timeoutMs: number) => Promise<WakeResult>;

/** Something that wants to hear about wake-ups (metrics, logs). */
export interface WakeObserver {
  /** A wake-up finished: `ok` false when no replica became ready in time. */
  woke(fn: FunctionRefLike, ok: boolean, seconds: number, detail?: string): void;
}

/** One shared wake-up of one function. */
interface PendingWake {
  promise: Promise<void>;
}

/**
 * Scale from zero for callers of the InvokeClient: on "no responders" for a known function, asks
 * the scaler once (single-flight per function, however many calls are waiting), waits for the
 * first `replica.ready` of the function, and lets every waiting call go on.
 */
export class FunctionWaker {
  private readonly pending = new Map<string, PendingWake>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: SubjectRegistry,
    private readonly request: WakeRequester,
    private readonly observer?: WakeObserver,
  ) {}

  /**
   * Resolves once a replica of `fn` is (probably) ready; rejects with a 503 SkiffError carrying
   * the reason when waking failed or nothing was ready by `deadline` (ms since the epoch).
   */
  async waitReady(fn: FunctionRefLike, deadline: number): Promise<void> {
    const key = this.subjects.functionKey(fn.namespace, fn.name);
    let wake = this.pending.get(key);
    if (!wake) {
      wake = { promise: this.wake(fn, deadline).finally(() => this.pending.delete(key)) };
      this.pending.set(key, wake);
    }
    const left = deadline - Date.now();
    if (left <= 0) throw notReady(fn, 'the call timed out while waiting');
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(notReady(fn, `no replica became ready within the function's timeout`)), left);
    });
    try {
      await Promise.race([wake.promise, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async wake(fn: FunctionRefLike, deadline: number): Promise<void> {
    const started = performance.now();
    const sub = this.nc.subscribe(this.subjects.replicaReadyOf(fn.namespace, fn.name), { max: 1 });
    let timer: NodeJS.Timeout | undefined;
    try {
      const ready = (async () => {
        for await (const _ of sub) return true;
        return false;
      })();
      let result: WakeResult;
      try {
        result = await this.request(fn, Math.max(1, Math.min(deadline - Date.now(), 10_000)));
      } catch (err) {
        throw notReady(fn, `scale from zero failed: ${(err as Error).message}`);
      }
      if (result.availableReplicas > 0) {
        this.observer?.woke(fn, true, (performance.now() - started) / 1000, 'already ready');
        return;
      }
      const expired = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
      });
      const ok = await Promise.race([ready, expired]);
      if (ok) this.observer?.woke(fn, true, (performance.now() - started) / 1000);
      else throw notReady(fn, `no replica became ready within the function's timeout`);
    } catch (err) {
      if (err instanceof SkiffError && err.status === 503)
        this.observer?.woke(fn, false, (performance.now() - started) / 1000, err.message);
      throw err;
    } finally {
      clearTimeout(timer);
      sub.unsubscribe();
    }
  }
}

function notReady(fn: FunctionRefLike, reason: string): SkiffError {
  return new SkiffError(ERROR_CODES.noReplicas, `No replicas available for: ${fn.name}.${fn.namespace} (${reason}).`);
}
